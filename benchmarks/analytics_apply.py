"""The event_analytics projection's own share of a rebuild: decoded events in, rows in chDB.

``benchmarks/projections.py`` rebuilds from PostgreSQL, so its figure is capped by reading and
decoding the log (17-20k events/s here). This one takes the log's cost out: corpus-shaped hooks
are recorded by an in-memory ``Ingestor`` and decoded once, untimed; then the view is rebuilt
from those events in batches of ``--batch`` (the runner's size), twice per round: ``rows``
times ``EventAnalyticsProjection.changes`` alone, ``apply`` times ``changes`` + ``view.apply``
(insert + position) into a fresh chDB database, in wall time and in CPU time of every thread of
the process (chDB's inserting and merging threads included: the fairer figure on shared cores). After the last round it counts the table and
checks the position, so a fast run that lost rows cannot pass. It also prints CPU seconds per
thread name over the rounds and ``--settle`` seconds after them (``MergeMutate``: chDB's merges;
``ThreadPool``: its insert and query threads; the main thread is Python).

Usage:  python benchmarks/analytics_apply.py [--events 50000] [--batch 1000] [--rounds 3]

Run it with ``PYTHONPATH`` pointing at another checkout to measure that checkout's projection
(the script itself needs nothing newer than the view's public API).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/projections.py would shadow the projections package: drop this folder from the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
if "PYTHONPATH" not in os.environ:
    sys.path.insert(0, str(ROOT))

from commands.ingest.messages import RecordHook
from commands.ingest.service import Ingestor
from domain.sessions.hooks import HookFacts
from projections.event_analytics.clickhouse import event_analytics_view
from projections.event_analytics.connections import ClickHouseConnections
from projections.event_analytics.projection import EventAnalyticsProjection

CORPUS = ROOT / "tests" / "corpus" / "claude_hooks" / "s1_ledger_api"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    clickhouse_database: str
    clickhouse_url: str | None = None


def decoded_events(count: int) -> list[tuple[int, object]]:
    texts = [json.loads(p.read_text()) for p in sorted(CORPUS.glob("*.json"))]
    app = Ingestor()
    now = datetime.now(UTC)
    for s in range(count // len(texts) + 1):
        batch = []
        for i, original in enumerate(texts):
            payload = dict(original, session_id=f"bench-{s}")
            if "tool_use_id" in payload:
                payload["tool_use_id"] = f"toolu_{s}_{i}"
            batch.append(RecordHook(tenant_id="bench", facts=HookFacts.from_payload(payload),
                                    payload_json=json.dumps(payload), received_at=now,
                                    source="bench"))  # fmt: skip
        app.record(batch)
    out: list[tuple[int, object]] = []
    while len(out) < count:
        page = app.recorder.select_notifications(len(out), 1_000, inclusive_of_start=False)
        if not page:
            break
        out += [(n.id, app.mapper.to_domain_event(n)) for n in page]
    return out[:count]


def thread_seconds() -> dict[str, float]:
    """CPU seconds of this process's threads so far, by thread name (chDB names its own)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            text = (task / "stat").read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settle", type=float, default=3.0,
                        help="seconds to let merges run after the rounds (their CPU counts)")  # fmt: skip
    args = parser.parse_args()

    events = decoded_events(args.events)
    batches = [events[i : i + args.batch] for i in range(0, len(events), args.batch)]
    projection = EventAnalyticsProjection()
    data_dir = Path(tempfile.mkdtemp(prefix="observatory-analytics-bench-"))
    connections = ClickHouseConnections()
    result: dict[str, object] = {"events": len(events), "batch": args.batch,
                                 "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                                 "when": datetime.now(UTC).isoformat(timespec="seconds")}  # fmt: skip
    rows_rates, apply_rates, apply_cpu = [], [], []
    threads_before = thread_seconds()
    try:
        for round_ in range(args.rounds):
            started = time.perf_counter()
            for batch in batches:
                projection.changes(batch)
            rows_rates.append(len(events) / (time.perf_counter() - started))

            view = event_analytics_view(Settings(data_dir, f"bench{round_}"), connections)
            view.reset()
            started, cpu = time.perf_counter(), time.process_time()
            start = 0
            for batch in batches:
                view.apply(projection.changes(batch), start, batch[-1][0])
                start = batch[-1][0]
            apply_rates.append(len(events) / (time.perf_counter() - started))
            apply_cpu.append((time.process_time() - cpu) / len(events) * 1e6)
        time.sleep(args.settle)
        threads_after = thread_seconds()
        conn = connections.get(Settings(data_dir, "bench0"))
        last = f"bench{args.rounds - 1}"
        stored = conn.select(f"SELECT count() FROM {last}.analytics_events FINAL")[0][0]
        parts = conn.select(
            "SELECT count() FROM system.parts WHERE active AND database = {db:String}"
            " AND table = 'analytics_events'",
            {"db": last},
        )[0][0]
        assert stored == len(events), f"stored {stored} rows of {len(events)}"
        assert view.position() == events[-1][0]
    finally:
        connections.close()
    result["rows_events_per_s"] = [round(r) for r in rows_rates]
    result["apply_events_per_s"] = [round(r) for r in apply_rates]
    result["apply_cpu_us_per_event"] = [round(c, 1) for c in apply_cpu]
    result["active_parts_after"] = parts
    spent = {n: threads_after[n] - threads_before.get(n, 0.0) for n in threads_after}
    result["thread_cpu_s"] = {n: round(v, 2) for n, v in sorted(spent.items(), key=lambda kv: -kv[1])
                              if v >= 0.01}  # fmt: skip
    print(json.dumps(result, indent=2))
    print(f"\nrows only: {max(rows_rates):,.0f} events/s; rows + insert + position: "
          f"{max(apply_rates):,.0f} events/s, {min(apply_cpu):.1f} µs of CPU per event (every "
          f"thread: chDB's too) (best of {args.rounds}; {parts} active parts)")  # fmt: skip


if __name__ == "__main__":
    main()
