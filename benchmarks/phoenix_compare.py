"""OTLP traces side by side: Observatory and Arize Phoenix on the same load, in the same run.

Both servers get the same OTLP/HTTP protobuf trace exports (``--spans`` GenAI ``chat`` spans per
export, each with its conversation id, model and token usage, as an instrumented agent sends
them) from ``--clients`` concurrent exporters for ``--seconds``. For each server it prints:

- **acknowledged/s**: spans whose export was answered 200, per second of load;
- **persisted/s**: spans found in the server's own store at the end of the load, per second;
- Phoenix only: spans in its store after ``--drain`` more seconds without load;
- **after a normal stop**: spans in the store once the server was stopped with SIGTERM (as a
  service manager stops it), and how many acknowledged spans are missing.

Observatory (``observatory serve``, one worker, the machine's PostgreSQL, a fresh schema)
answers only after commit, so its two rates are equal by construction; Phoenix (``phoenix
serve`` from its own venv, SQLite in a temporary working directory) answers first and writes
later. Install Phoenix apart from the project (it pins many packages of its own)::

    python -m venv /tmp/phoenix-venv && /tmp/phoenix-venv/bin/pip install arize-phoenix
    PYTHONPATH=$PWD python benchmarks/phoenix_compare.py --phoenix /tmp/phoenix-venv/bin/phoenix
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from server import observatory, stop


def export(session: int, spans: int) -> bytes:
    """One export: ``spans`` chat spans of one conversation, each its own trace."""
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    for key, value in (("service.name", "support-agent"), ("team", "platform")):
        pair = resource_spans.resource.attributes.add()
        pair.key, pair.value.string_value = key, value
    scope = resource_spans.scope_spans.add()
    scope.scope.name = "opentelemetry.instrumentation.anthropic"
    now = time.time_ns()
    for n in range(spans):
        span = scope.spans.add()
        span.trace_id = os.urandom(16)
        span.span_id = os.urandom(8)
        span.name = "chat claude-opus-4-5"
        span.kind = Span.SPAN_KIND_CLIENT
        span.start_time_unix_nano = now + n * 1000
        span.end_time_unix_nano = now + n * 1000 + 2_400_000_000
        for key, text in (
            ("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "anthropic"),
            ("gen_ai.request.model", "claude-opus-4-5-20251101"),
            ("gen_ai.response.model", "claude-opus-4-5-20251101"),
            ("gen_ai.conversation.id", f"phoenix-bench-{session}"),
        ):  # fmt: skip
            pair = span.attributes.add()
            pair.key, pair.value.string_value = key, text
        for key, number in (("gen_ai.usage.input_tokens", 1204 + n % 7),
                            ("gen_ai.usage.output_tokens", 612)):  # fmt: skip
            pair = span.attributes.add()
            pair.key, pair.value.int_value = key, number
    return request.SerializeToString()


async def exporter(url: str, headers: dict[str, str], bodies: list[bytes], deadline: float,
                   spans: int) -> tuple[int, int]:  # fmt: skip
    """Posts exports until the deadline: (spans acknowledged, exports refused)."""
    acknowledged = refused = n = 0
    async with httpx.AsyncClient(headers=headers, timeout=60) as client:
        while time.monotonic() < deadline:
            response = await client.post(url, content=bodies[n % len(bodies)])
            n += 1
            if response.status_code == 200:
                acknowledged += spans
            else:
                refused += 1
    return acknowledged, refused


async def load(url: str, key: str | None, args: argparse.Namespace) -> tuple[int, int, float]:
    headers = {"content-type": "application/x-protobuf"}
    if key:
        headers["authorization"] = f"Bearer {key}"
    bodies = [export(s, args.spans) for s in range(args.sessions)]
    deadline = time.monotonic() + args.seconds
    started = time.perf_counter()
    runs = await asyncio.gather(*(exporter(url, headers, bodies[c::args.clients] or bodies,
                                           deadline, args.spans)
                                  for c in range(args.clients)))  # fmt: skip
    return sum(a for a, _ in runs), sum(r for _, r in runs), time.perf_counter() - started


def run_observatory(args: argparse.Namespace) -> dict[str, float]:
    with observatory(args.database_url) as server:
        acknowledged, refused, elapsed = asyncio.run(
            load(f"{server.base}/v1/traces", server.key, args)
        )
        persisted = _count_calls(args.database_url, server.schema)
        stop(server.process)
        after_stop = _count_calls(args.database_url, server.schema)
    return _figures("Observatory", acknowledged, refused, elapsed, persisted, after_stop)


def _count_calls(database_url: str, schema: str) -> int:
    with psycopg.connect(database_url, options=f"-c search_path={schema}") as conn:
        row = conn.execute(
            "SELECT count(*) FROM observatory_events WHERE topic LIKE '%ModelSpanRecorded'"
        ).fetchone()
    return int(row[0]) if row else 0


def run_phoenix(args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="phoenix-bench-") as folder:
        env = {**os.environ, "PHOENIX_WORKING_DIR": folder, "PHOENIX_PORT": str(args.port),
               "PHOENIX_GRPC_PORT": str(args.port + 1)}  # fmt: skip
        with Path(folder, "phoenix.log").open("wb") as log:
            process = subprocess.Popen([args.phoenix, "serve"], env=env, stdout=log, stderr=log)
            try:
                _wait_healthy(f"http://127.0.0.1:{args.port}/healthz", process)
                acknowledged, refused, elapsed = asyncio.run(
                    load(f"http://127.0.0.1:{args.port}/v1/traces", None, args)
                )
                persisted = _count_spans(Path(folder, "phoenix.db"))
                drained = _drain(Path(folder, "phoenix.db"), args.drain)
            finally:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=120)
        after_stop = _count_spans(Path(folder, "phoenix.db"))
    figures = _figures("Phoenix", acknowledged, refused, elapsed, persisted, after_stop)
    figures["drained_per_s"] = drained / (elapsed + args.drain)
    print(
        f"Phoenix: {drained:,} spans in its store after {args.drain} s more without load "
        f"({figures['drained_per_s']:,.0f}/s over load + drain)"
    )
    return figures


def _drain(database: Path, seconds: float) -> int:
    """Spans in the store after ``seconds`` more without load (Phoenix writes behind)."""
    time.sleep(seconds)  # a benchmark's observation window, not a wait for consistency
    return _count_spans(database)


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"phoenix exited with {process.returncode} before it was up")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)  # a benchmark waiting for a server to start, not a test
    raise SystemExit("phoenix did not answer /healthz in 120 s")


def _count_spans(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute("SELECT count(*) FROM spans").fetchone()[0])


def _figures(name: str, acknowledged: int, refused: int, elapsed: float, persisted: int,
             after_stop: int) -> dict[str, float]:  # fmt: skip
    figures = {
        "acknowledged_per_s": acknowledged / elapsed, "persisted_per_s": persisted / elapsed,
        "acknowledged": acknowledged, "persisted": persisted, "after_stop": after_stop,
        "lost": max(acknowledged - after_stop, 0), "refused": refused,
    }  # fmt: skip
    print(name, {k: round(v) for k, v in figures.items()}, flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phoenix", required=True, help="the phoenix executable of its venv")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--spans", type=int, default=1000, help="spans per export")
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument(
        "--drain",
        type=float,
        default=30,
        help="seconds Phoenix gets after the load to write what it holds",
    )
    parser.add_argument("--port", type=int, default=6016, help="Phoenix's HTTP port (+1: gRPC)")
    args = parser.parse_args()
    ours = run_observatory(args)
    theirs = run_phoenix(args)
    print("\n| server | acknowledged spans/s | persisted spans/s (during load) | "
          "in store after SIGTERM | acknowledged but lost |")  # fmt: skip
    print("|---|---|---|---|---|")
    for name, f in (("Observatory", ours), ("Arize Phoenix", theirs)):
        print(
            f"| {name} | {f['acknowledged_per_s']:,.0f} | {f['persisted_per_s']:,.0f} | "
            f"{f['after_stop']:,.0f} of {f['acknowledged']:,.0f} | {f['lost']:,.0f} |"
        )
    print(
        f"\nratios Observatory / Phoenix: acknowledged "
        f"{ours['acknowledged_per_s'] / max(theirs['acknowledged_per_s'], 1):.2f}x, persisted "
        f"{ours['persisted_per_s'] / max(theirs['persisted_per_s'], 1):.2f}x"
    )


if __name__ == "__main__":
    main()
