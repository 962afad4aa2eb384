"""Projection lag per store while the log grows at a fixed rate, and rebuild throughput.

Phase 1 (lag): hooks shaped like the corpus' are appended to the event log at ``--rate``
events/s (in-process, straight to the store: HTTP ingest on these cores tops out far below
5,000/s, see docs/benchmarks.md, and this measures the projectors, not the web stack), while
``observatory project`` runs every projection in its own process (PostgreSQL, Redis, chDB).
``observatory relay`` publishes the log to NATS JetStream from its own process beside them.
The benchmark reads each projection's position from those processes' ``/metrics`` every
``--sample-ms`` and, for every appended batch, takes the first sample at which the projection
had reached it: lag = that moment - the moment the batch was committed (resolution: one
sample interval, so a lag below it reads as up to one interval).

Phase 2 (rebuild): each projection is rebuilt from the whole log (in a process of its own,
running the code measured); events/s, next to the baseline of reading and decoding the log
alone through eventsourcing's recorder.

``--code DIR`` (repeatable) measures the checkout at DIR (its projector processes, its
migrations, its rebuild), each in a fresh schema; ``--rounds N`` interleaves the checkouts N
times (A B A B …), so that a before/after comparison shares the same minutes of this noisy
machine. The default projections are those `observatory up` runs in its `project` child.

Usage:  python benchmarks/projections.py [--rate 5000] [--seconds 20] [--database-url URL]
        [--redis-url redis://127.0.0.1:6379/0] [--process-per-projection]
        [--code /path/to/before --code .] [--rounds 2] [--only NAME …]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from commands.ingest.messages import RecordHook
from commands.ingest.service import Ingestor
from domain.sessions.hooks import HookFacts
from infra.database import eventsourcing_env
from infra.embedded.postgres import free_port
from infra.settings import Settings
from tests.cleanup import delete_redis_keys, delete_stream
from workers.bootstrap.projections import PROJECTIONS

DEFAULT_URL = os.environ.get("OBSERVATORY_BENCH_DATABASE_URL",
                             "postgresql://postgres@127.0.0.1:5432/postgres")  # fmt: skip
CORPUS = ROOT / "tests" / "corpus" / "claude_hooks" / "s1_ledger_api"
STORE_OF = {"relay": "NATS JetStream", "session_timeline": "PostgreSQL", "guardrails": "PostgreSQL",
            "audit_log": "PostgreSQL", "agent_metrics": "PostgreSQL", "alerts": "PostgreSQL",
            "when_alert_raised_quarantine_session": "PostgreSQL (policy)",
            "when_alert_raised_notify": "Redis (dispatch)",
            "event_analytics": "ClickHouse (chDB)", "live_state": "Redis"}  # fmt: skip
APART = "event_analytics"
"""`up` runs it in a child of its own (chDB's one-process rule): not in the default set."""

MIGRATE = """
import sys
from infra.migrate import migrate
migrate(sys.argv[1], sys.argv[2])
"""
"""Run with the measured checkout first on the path: its own migrations."""

REBUILD = """
import json, sys, time
from pathlib import Path
from commands.store.application import EventStoreApplication
from infra.database import eventsourcing_env
from infra.settings import Settings
from workers.bootstrap.projections import PROJECTIONS
from workers.bootstrap.projectors import runner
url, schema, redis_url, prefix, data_dir, *names = sys.argv[1:]
settings = Settings(database_url=url, database_schema=schema, redis_url=redis_url,
                    redis_prefix=prefix, data_dir=Path(data_dir))
store = EventStoreApplication(eventsourcing_env(url, schema, 2))
started, position, decoded = time.perf_counter(), 0, 0
while True:
    page = store.recorder.select_notifications(position, 1_000, inclusive_of_start=False)
    if not page:
        break
    decoded += len([store.mapper.to_domain_event(n) for n in page])
    position = page[-1].id
rates = {"read and decode only (baseline)": round(decoded / (time.perf_counter() - started))}
for name in names:
    projector_runner, conn = runner(PROJECTIONS[name], settings, url, store)
    started = time.perf_counter()
    projector_runner.rebuild()
    rates[name] = round(decoded / (time.perf_counter() - started))
    conn.close()
store.close()
print(json.dumps({"events_in_log": decoded, "rebuild_events_per_s": rates}))
"""
"""Rebuilds each projection with the measured checkout's code; prints JSON."""


def run_code(code: Path, script: str, *args: str) -> str:
    """Runs ``script`` with ``code`` first on the path (``-P``: nothing else shadows it)."""
    done = subprocess.run(
        [sys.executable, "-P", "-c", f"import sys; sys.path.insert(0, {str(code)!r})\n{script}",
         *args], cwd=code, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{code}: {done.stderr[-2000:]}")
    return done.stdout


_POSITION = re.compile(r'^observatory_projection_position\{name="([^"]+)"\} (\S+)$', re.M)
_RELAYED = re.compile(r'^observatory_relay_position\{stream="[^"]+"\} (\S+)$', re.M)
RELAY = "relay"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def hooks(sessions: int) -> list[list[dict[str, object]]]:
    """The corpus session's hooks, once per simulated session (new ids each)."""
    texts = [json.loads(p.read_text()) for p in sorted(CORPUS.glob("*.json"))]
    out = []
    for s in range(sessions):
        session = []
        for i, original in enumerate(texts):
            payload = dict(original, session_id=f"bench-{s}")
            if "tool_use_id" in payload:
                payload["tool_use_id"] = f"toolu_{s}_{i}"
            session.append(payload)
        out.append(session)
    return out


class Feeder:
    """Appends batches at a fixed rate; remembers (committed at, last position) per batch."""

    def __init__(self, ingestor: Ingestor, rate: int, seconds: int, batch: int) -> None:
        self.ingestor, self.rate, self.seconds, self.batch = ingestor, rate, seconds, batch
        self.committed: list[tuple[float, int]] = []
        self.events = 0

    def run(self) -> None:
        sessions = hooks(max(1, self.rate * self.seconds // 48 + 1))
        flat = [p for session in sessions for p in session]
        started = time.perf_counter()
        for n, first in enumerate(range(0, self.rate * self.seconds, self.batch)):
            due = started + n * self.batch / self.rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            now = datetime.now(UTC)
            commands = [RecordHook(tenant_id="bench", facts=HookFacts.from_payload(p),
                                   payload_json=json.dumps(p), received_at=now, source="bench")
                        for p in flat[first:first + self.batch]]  # fmt: skip
            receipts = self.ingestor.record(commands)
            self.committed.append((time.perf_counter(), max(r.position for r in receipts)))
            self.events += len(commands)
        self.elapsed = time.perf_counter() - started


def sample(metrics_urls: list[str], stop: threading.Event, interval: float,
           samples: list[tuple[float, dict[str, int]]]) -> None:  # fmt: skip
    with httpx.Client(timeout=5) as http:
        while not stop.is_set():
            positions: dict[str, int] = {}
            try:
                for url in metrics_urls:
                    text = http.get(url).text
                    positions.update({n: int(float(v)) for n, v in _POSITION.findall(text)})
                    for value in _RELAYED.findall(text):
                        positions[RELAY] = int(float(value))
            except httpx.HTTPError:
                stop.wait(interval)
                continue
            samples.append((time.perf_counter(), positions))
            stop.wait(interval)


def lags(committed: list[tuple[float, int]], samples: list[tuple[float, dict[str, int]]],
         name: str) -> list[float]:  # fmt: skip
    """For each batch: first sample at which ``name`` had reached it, minus its commit."""
    found, i = [], 0
    for at, position in committed:
        while i < len(samples) and (samples[i][0] < at or samples[i][1].get(name, 0) < position):
            i += 1
        if i == len(samples):
            break
        found.append(samples[i][0] - at)
    return found


def measure(code: Path, args: argparse.Namespace, names: list[str]) -> dict[str, object]:
    """Lag then rebuild for the checkout at ``code``, in a fresh schema of its own."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    data_dir = Path(tempfile.mkdtemp(prefix="observatory-bench-"))
    run_code(code, MIGRATE, args.database_url, schema)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBSERVATORY_")}
    env.update(OBSERVATORY_DATABASE_URL=args.database_url, OBSERVATORY_DATABASE_SCHEMA=schema,
               OBSERVATORY_REDIS_URL=args.redis_url, OBSERVATORY_REDIS_PREFIX=prefix,
               OBSERVATORY_DATA_DIR=str(data_dir), OBSERVATORY_LOG_LEVEL="warning",
               OBSERVATORY_NATS_URL=args.nats_url, OBSERVATORY_NATS_STREAM=prefix.upper(),
               OBSERVATORY_NATS_SUBJECT_PREFIX=prefix, PYTHONPATH=str(code))  # fmt: skip
    groups = [[n] for n in names] if args.process_per_projection else [names]
    processes, metrics_urls = [], []
    for group in [*groups, [RELAY]]:
        port = free_port()
        metrics_urls.append(f"http://127.0.0.1:{port}/metrics")
        command = ["relay"] if group == [RELAY] else ["project", *group]
        processes.append(subprocess.Popen(
            [str(Path(sys.executable).with_name("observatory")), *command],
            env=dict(env, OBSERVATORY_WORKER_METRICS_PORT=str(port)), start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=code,
        ))  # fmt: skip
    ingestor = Ingestor(eventsourcing_env(args.database_url, schema, 4))
    result: dict[str, object] = {"code": str(code), "rate": args.rate, "seconds": args.seconds,
                                 "processes": len(processes),
                                 "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                                 "when": datetime.now(UTC).isoformat(timespec="seconds")}  # fmt: skip
    try:
        for url, process in zip(metrics_urls, processes, strict=True):
            for _ in range(600):  # the projector processes are starting (chDB takes a moment)
                if process.poll() is not None:
                    raise RuntimeError(f"{code}: a projector process exited at start")
                try:
                    if httpx.get(url, timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
        feeder = Feeder(ingestor, args.rate, args.seconds, args.batch)
        samples: list[tuple[float, dict[str, int]]] = []
        stop = threading.Event()
        sampler = threading.Thread(target=sample, args=(metrics_urls, stop, args.sample_ms / 1000,
                                                        samples))  # fmt: skip
        sampler.start()
        print(f"{code}: appending {args.rate:,} events/s for {args.seconds}s …", file=sys.stderr)
        feeder.run()
        head = feeder.committed[-1][1]
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline and (
            not samples or min(samples[-1][1].get(n, 0) for n in [*names, RELAY]) < head
        ):
            time.sleep(0.1)  # the projectors drain the backlog; the sampler records it
        stop.set()
        sampler.join()
        result["appended_events_per_s"] = round(feeder.events / feeder.elapsed)
        lag_table = {}
        for name in [*names, RELAY]:
            found = lags(feeder.committed, samples, name)
            lag_table[name] = {"store": STORE_OF.get(name, "?"), "batches": len(found),
                               "p50_ms": round(percentile(found, 50) * 1000, 1),
                               "p99_ms": round(percentile(found, 99) * 1000, 1)}  # fmt: skip
        result["lag"] = lag_table
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(60)
        print(f"{code}: rebuilding each projection …", file=sys.stderr)
        rebuilt = json.loads(run_code(code, REBUILD, args.database_url, schema, args.redis_url,
                                      prefix, str(data_dir), *names))  # fmt: skip
        result.update(rebuilt)
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(60)
        ingestor.close()
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
        delete_redis_keys(args.redis_url, f"{prefix}:*")
        shutil.rmtree(data_dir, ignore_errors=True)
        delete_stream(args.nats_url, prefix.upper())
    return result


def table(result: dict[str, object], names: list[str]) -> None:
    lag_table: dict[str, dict[str, object]] = result["lag"]  # type: ignore[assignment]
    rebuilds: dict[str, int] = result["rebuild_events_per_s"]  # type: ignore[assignment]
    baseline = rebuilds["read and decode only (baseline)"]
    print(f"\n{result['code']}: appended {result['appended_events_per_s']:,} events/s "
          f"(asked {result['rate']:,}); {result['events_in_log']:,} events rebuilt\n")  # fmt: skip
    print("| projection | store | lag p50 | lag p99 | rebuild events/s | ratio to read+decode |")
    print("|---|---|---|---|---|---|")
    for name in names:
        lag = lag_table[name]
        rate = rebuilds[name]
        print(f"| {name} | {lag['store']} | {lag['p50_ms']} ms | {lag['p99_ms']} ms | "
              f"{rate:,} | {rate / baseline:.2f} |")  # fmt: skip
    relay = lag_table[RELAY]
    print(f"| relay | NATS JetStream | {relay['p50_ms']} ms | {relay['p99_ms']} ms | - | - |")
    print(f"| (read and decode the log, recorder) | | | | {baseline:,} | 1.00 |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=5_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--batch", type=int, default=100, help="events per append")
    parser.add_argument("--sample-ms", type=float, default=25)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    parser.add_argument(
        "--only", nargs="*", help="projections to run (default: up's project child)"
    )
    parser.add_argument(
        "--process-per-projection",
        action="store_true",
        help="run each projection in its own `observatory project` process",
    )
    parser.add_argument("--code", action="append", type=Path,
                        help="checkout to measure (repeatable; default: this one)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=1, help="times to measure each checkout")
    args = parser.parse_args()
    settings = Settings(redis_url=args.redis_url)
    names = args.only or [n for n, spec in PROJECTIONS.items()
                          if spec.enabled(settings) and n != APART]  # fmt: skip
    codes = [c.resolve() for c in (args.code or [ROOT])]
    results = [measure(code, args, names) for _ in range(args.rounds) for code in codes]
    print(json.dumps(results, indent=2))
    for result in results:
        table(result, names)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / f"projections-{datetime.now(UTC):%Y%m%dT%H%M%S}.json").write_text(
        json.dumps(results, indent=2)
    )


if __name__ == "__main__":
    main()
