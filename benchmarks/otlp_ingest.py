"""Durable OTLP ingest: records/s of ``POST /v1/logs`` (or ``/v1/traces``), beside raw COPY.

What it measures: ``observatory serve`` (one worker, its in-process group commit) on a fresh
schema of the machine's PostgreSQL, an agent key in ``Authorization: Bearer`` as Claude Code's
``OTEL_EXPORTER_OTLP_HEADERS`` sends it. ``--clients`` concurrent exporters each post, for
``--seconds``, OTLP/HTTP protobuf exports of ``--records`` Claude Code log records
(``claude_code.api_request`` with every standard attribute, ``user.email`` included, so every
record is screened and sealed) — or, with ``--signal traces``, as many GenAI ``chat`` spans
with their token counts (model calls in the session ``gen_ai.conversation.id`` names) — one
session per export over ``--sessions`` sessions; a record
counts once its export was answered 200, i.e. after its transaction committed. Afterwards the
store is counted (every acknowledged record must be there), and one raw psycopg ``COPY`` of as
many rows, each the stored state of one recorded event, into a table shaped like the event
table gives the baseline of the same run.

    PYTHONPATH=$PWD python benchmarks/otlp_ingest.py [--clients 4] [--seconds 20]
        [--signal logs|traces]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from load import copy_baseline
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from server import observatory

STANDARD = {
    "app.version": "2.1.14", "organization.id": "0b6f7c2a-3e41-4d8e-a9c5-6f21e8d4b7a0",
    "user.account_uuid": "5d9e3a17-8c24-4b6f-b0e1-c7a2f9d84e36",
    "user.email": "dana.reyes@example.com", "terminal.type": "vscode",
    "event.name": "api_request",
}  # fmt: skip


def export(session: str, records: int, start: int) -> bytes:
    """One Claude Code export: ``records`` api_request log records of one session."""
    request = ExportLogsServiceRequest()
    resource_logs = request.resource_logs.add()
    for key, value in (("service.name", "claude-code"), ("team", "platform")):
        pair = resource_logs.resource.attributes.add()
        pair.key, pair.value.string_value = key, value
    scope = resource_logs.scope_logs.add()
    scope.scope.name = "com.anthropic.claude_code.events"
    now = time.time_ns()
    for n in range(start, start + records):
        record = scope.log_records.add()
        record.time_unix_nano = record.observed_time_unix_nano = now + n
        record.body.string_value = "claude_code.api_request"
        attributes = {
            **STANDARD, "session.id": session, "prompt.id": f"prompt-{n // 20}",
            "event.timestamp": "2026-08-18T09:12:14.903Z", "event.sequence": str(n),
            "model": "claude-opus-4-5-20251101", "cost_usd": "0.0842715",
            "duration_ms": "4391", "input_tokens": "1204", "output_tokens": "612",
            "cache_read_tokens": "18240", "cache_creation_tokens": "3310",
        }  # fmt: skip
        for key, value in attributes.items():
            pair = record.attributes.add()
            pair.key, pair.value.string_value = key, value
    return request.SerializeToString()


def trace_export(session: str, spans: int, start: int) -> bytes:
    """One GenAI export: ``spans`` chat spans of one session (ten per trace)."""
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    pair = resource_spans.resource.attributes.add()
    pair.key, pair.value.string_value = "service.name", "bench-agent"
    scope = resource_spans.scope_spans.add()
    now = time.time_ns()
    for n in range(start, start + spans):
        span = scope.spans.add()
        span.trace_id = (n // 10 + 1).to_bytes(16, "big")
        span.span_id = (n + 1).to_bytes(8, "big")
        span.name = "chat claude-sonnet-4-5"
        span.start_time_unix_nano, span.end_time_unix_nano = now + n, now + n + 3_100_000
        texts = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
                 "gen_ai.conversation.id": session, "gen_ai.request.model": "claude-sonnet-4-5",
                 "gen_ai.response.model": "claude-sonnet-4-5-20250929",
                 "user.email": "dana.reyes@example.com"}  # fmt: skip
        for key, value in texts.items():
            pair = span.attributes.add()
            pair.key, pair.value.string_value = key, value
        numbers = {"gen_ai.usage.input_tokens": 1840, "gen_ai.usage.output_tokens": 212,
                   "gen_ai.usage.cache_read.input_tokens": 1024}  # fmt: skip
        for key, number in numbers.items():
            pair = span.attributes.add()
            pair.key, pair.value.int_value = key, number
    return request.SerializeToString()


SIGNALS = {"logs": ("/v1/logs", export, "ModelCallRecorded"),
           "traces": ("/v1/traces", trace_export, "ModelSpanRecorded")}  # fmt: skip


async def exporter(base: str, key: str, bodies: list[bytes], deadline: float,
                   records: int, path: str = "/v1/logs") -> tuple[int, int, list[float]]:  # fmt: skip
    """Posts exports until the deadline; (records acknowledged, refusals, latencies)."""
    headers = {"authorization": f"Bearer {key}", "content-type": "application/x-protobuf"}
    acknowledged, refused, latencies = 0, 0, []
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        n = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = await client.post(path, content=bodies[n % len(bodies)])
            latencies.append(time.perf_counter() - started)
            n += 1
            if response.status_code == 200:
                acknowledged += records
            else:
                refused += 1
    return acknowledged, refused, latencies


async def load(base: str, key: str, args: argparse.Namespace) -> tuple[int, int, list[float]]:
    path, build, _ = SIGNALS[args.signal]
    bodies = [build(f"otlp-bench-{s}", args.records, s * args.records)
              for s in range(args.sessions)]  # fmt: skip
    # Warm up: every session's stream opened and cached, plans prepared.
    await exporter(base, key, bodies, time.monotonic() + 2, args.records, path)
    deadline = time.monotonic() + args.seconds
    started = time.perf_counter()
    runs = await asyncio.gather(*(exporter(base, key, bodies[c::args.clients] or bodies,
                                           deadline, args.records, path)
                                  for c in range(args.clients)))  # fmt: skip
    elapsed = time.perf_counter() - started
    latencies = sorted(t for _, _, ts in runs for t in ts)
    acknowledged = sum(a for a, _, _ in runs)
    print(json.dumps({
        "signal": args.signal, "clients": args.clients, "records_per_export": args.records,
        "records_per_s": round(acknowledged / elapsed),
        "exports_p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "exports_p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
        "refused": sum(r for _, r, _ in runs),
    }))  # fmt: skip
    return acknowledged, round(acknowledged / elapsed), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--records", type=int, default=1000, help="log records per export")
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument("--signal", choices=sorted(SIGNALS), default="logs")
    args = parser.parse_args()
    with observatory(args.database_url) as server:
        acknowledged, per_second, _ = asyncio.run(load(server.base, server.key, args))
        with psycopg.connect(args.database_url,
                             options=f"-c search_path={server.schema}") as conn:  # fmt: skip
            calls = f" FROM observatory_events WHERE topic LIKE '%{SIGNALS[args.signal][2]}'"
            stored = conn.execute("SELECT count(*)" + calls).fetchone()[0]  # type: ignore[index]
            sample = conn.execute("SELECT state" + calls + " LIMIT 1").fetchone()[0]  # type: ignore[index]
        copy = copy_baseline(args.database_url, server.schema, max(acknowledged, 10_000),
                             bytes(sample))  # fmt: skip
    print(f"stored {stored:,} model calls for {acknowledged:,} acknowledged records "
          f"(warm-up included in the store)")  # fmt: skip
    print("\n| records/export | clients | OTLP records/s | raw COPY rows/s | ratio |")
    print("|---|---|---|---|---|")
    print(f"| {args.records} | {args.clients} | {per_second:,} | {round(copy):,} | "
          f"{per_second / copy:.3f} |")  # fmt: skip
    if stored < acknowledged:
        raise SystemExit(f"{acknowledged - stored} acknowledged records are not in the store")


if __name__ == "__main__":
    main()
