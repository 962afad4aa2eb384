"""Scoring throughput: events/s through the scorer, and the latency of one batch.

Generated sessions (the ML package's generator: normal work and every failure mode, 60 at a
time) are turned into the documents the stream carries and scored in batches of ``--batch``,
as the scoring worker does, with small models trained and promoted in a fresh schema. The
baseline, measured in the same run on the same events, is folding the events into session
features alone (no model). Recording the assessments (a few per session) is included.

Usage:  python benchmarks/scoring.py [--sessions 400] [--batch 500] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch

from commands.alerts.service import AlertDesk
from commands.ml.service import ModelRegistry
from commands.reactions.scoring.scorer import Scorer
from commands.store.application import EventStoreApplication
from infra.database import eventsourcing_env
from infra.migrate import migrate
from infra.model_store import ModelStore
from ml.features import SessionFeatureState
from ml.features.published import session_event
from ml.inference import SessionModels
from ml.training.generator import generate_sessions
from tests.ml_sessions import hooks
from workers.training import TrainingRequest, run_training

DEFAULT_URL = os.environ.get("OBSERVATORY_BENCH_DATABASE_URL",
                             "postgresql://postgres@127.0.0.1:5432/postgres")  # fmt: skip


def documents(sessions: int) -> list[dict[str, object]]:
    """Stream documents (hook events and a decision per PreToolUse), in arrival order."""
    found: list[dict[str, object]] = []
    position = 0
    for n, session in enumerate(generate_sessions(sessions, seed=31)):
        stream = str(uuid.uuid4())
        for version, (at, body) in enumerate(hooks(session, f"bench-{n}"), start=1):
            position += 1
            found.append({"type": "hook", "tenant": "default", "session_id": f"bench-{n}",
                          "stream_id": stream, "stream_version": version, "position": position,
                          "at": at.isoformat(), "data": {
                              "hook": body["hook_event_name"], "tool_name": body.get("tool_name"),
                              "payload": body, "duration_ms": body.get("duration_ms")}})  # fmt: skip
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=400)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    torch.set_num_threads(1)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    migrate(args.database_url, schema)
    env = eventsourcing_env(args.database_url, schema, 2)
    print("Training and promoting the small models …", file=sys.stderr)
    run_training(TrainingRequest(tenant="default", size="small", seed=7, label="bench",
                                 promote=True, by="benchmark"),
                 args.database_url, schema)  # fmt: skip
    docs = documents(args.sessions)
    store, registry, desk = EventStoreApplication(env), ModelRegistry(env), AlertDesk(env)
    try:
        started = time.perf_counter()
        states: dict[str, SessionFeatureState] = {}
        for doc in docs:
            event = session_event(doc)
            if event is not None:
                states.setdefault(str(doc["session_id"]), SessionFeatureState()).update_and_vector(
                    event
                )
        baseline = len(docs) / (time.perf_counter() - started)

        scorer = Scorer(registry, ModelStore(args.database_url, schema), store, "observatory",
                        SessionModels())  # fmt: skip
        scorer.models("default")  # load the models before timing
        batch_ms: list[float] = []
        recorded = 0
        started = time.perf_counter()
        for i in range(0, len(docs), args.batch):
            t0 = time.perf_counter()
            for record in scorer.score(docs[i : i + args.batch]):
                desk.record_assessment(record)
                recorded += 1
            batch_ms.append((time.perf_counter() - t0) * 1000)
        rate = len(docs) / (time.perf_counter() - started)
    finally:
        for app in (store, registry, desk):
            app.close()
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "events": len(docs),
              "batch": args.batch, "features_only_events_per_s": round(baseline),
              "scoring_events_per_s": round(rate), "assessments_recorded": recorded,
              "batch_ms_p50": round(statistics.median(batch_ms), 1),
              "batch_ms_max": round(max(batch_ms), 1),
              "when": datetime.now(UTC).isoformat(timespec="seconds")}  # fmt: skip
    print(json.dumps(result, indent=2))
    print(
        f"\n| | events/s | per event |\n|---|---|---|\n"
        f"| features only (baseline) | {baseline:,.0f} | {1e6 / baseline:.0f} µs |\n"
        f"| scoring (features, both models, recording) | {rate:,.0f} | {1e6 / rate:.0f} µs |\n"
        f"\nbatch of {args.batch}: p50 {result['batch_ms_p50']} ms, max {result['batch_ms_max']}"
        f" ms; {recorded} assessments recorded; target: keep pace with 5,000 events/s."
    )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / f"scoring-{datetime.now(UTC):%Y%m%dT%H%M%S}.json").write_text(
        json.dumps(result, indent=2)
    )


if __name__ == "__main__":
    main()
