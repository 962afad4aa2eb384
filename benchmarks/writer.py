"""The ingest writer alone: CPU per event and commits/s of ``Ingestor.record``.

Builds PreToolUse commands the way the API does for ``benchmarks/hooks.lua`` (the same body,
a ruling recorded after each hook, a request SHA-256, optionally an Idempotency-Key) and
records them in batches of 1, 16 and 64 against the machine's PostgreSQL, in a scratch schema
(dropped afterwards). Reports, per batch size, the writer's CPU per event (``thread_time`` of
the recording thread: what it costs the API process's GIL) and commits per second.

``--split`` also prints where the CPU goes for one event, measured without the database:
the aggregate (record + decide, hash chain included), the hash alone, the mapper
(``to_stored_event``: topic, transcoder, bytes), and the rest (insert, driver, bookkeeping)
as the difference from the full figure.

    PYTHONPATH=$PWD python benchmarks/writer.py --seconds 3 --split
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from commands.ingest.messages import RecordHook
from commands.ingest.service import Ingestor
from domain.audit.chain import event_digest
from domain.sessions.aggregate import AgentSession
from domain.sessions.hooks import HookFacts
from domain.sessions.ruling import Ruling
from infra.database import eventsourcing_env
from infra.migrate import migrate

BODY = (
    '{{"session_id":"{session}","transcript_path":"/home/dev/.claude/projects/x/{session}.jsonl",'
    '"cwd":"/home/dev/src/app","permission_mode":"default","hook_event_name":"PreToolUse",'
    '"tool_name":"Bash","tool_input":{{"command":"npm test -- --run {n}",'
    '"description":"Run tests"}},"tool_use_id":"{tool_use_id}"}}'
)


def commands(run: str, sessions: int, keys: bool) -> Iterator[RecordHook]:
    """An endless stream of PreToolUse commands over ``sessions`` sessions, as the API builds
    them from hooks.lua's requests."""
    n = 0
    while True:
        n += 1
        session = f"bench-{run}-{n % sessions}"
        tool_use_id = f"toolu_{run}_{n}"
        body = BODY.format(session=session, n=n, tool_use_id=tool_use_id)
        payload = json.loads(body)
        yield RecordHook(
            tenant_id="default",
            facts=HookFacts.from_payload(payload),
            payload_json=body,
            received_at=datetime.now(UTC),
            source="claude-code",
            context_json="{}",
            idempotency_key=f"bench-{run}-{n}" if keys else None,
            request_sha256=hashlib.sha256(body.encode()).hexdigest(),
            status=200,
            reply=b"{}",
            ruling=Ruling(
                hook="PreToolUse",
                tool_name="Bash",
                tool_use_id=tool_use_id,
                decision=None,
                rule_id=None,
                policy_version=1,
                message=None,
                latency_ms=0.05,
            ),
        )


def measure(ingestor: Ingestor, run: str, batch: int, seconds: float, sessions: int,
            keys: bool) -> dict[str, float]:  # fmt: skip
    source = commands(run, sessions, keys)
    # Warm: every session cached, statements prepared (what a running API has).
    for _ in range(max(1, sessions // batch + 1)):
        ingestor.record([next(source) for _ in range(batch)])
    commits = events = 0
    cpu = 0.0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        todo = [next(source) for _ in range(batch)]
        before = time.thread_time()
        ingestor.record(todo)
        cpu += time.thread_time() - before
        commits += 1
        events += batch
    wall = time.perf_counter() - started
    return {"batch": batch, "us_cpu_per_event": 1e6 * cpu / events,
            "commits_per_s": commits / wall, "events": events}  # fmt: skip


def split(sessions: int, n: int = 3000) -> dict[str, float]:
    """µs per hook (a hook is two events: the hook and its ruling), without the database."""
    app = Ingestor()
    source = commands("split", sessions, False)
    todo = [next(source) for _ in range(n)]
    live: dict[uuid.UUID, AgentSession] = {}
    for command in todo[:sessions]:
        live[command.stream_id] = AgentSession.open("default", command.facts.session_id,
                                                    command.received_at)  # fmt: skip
    for s in live.values():
        s.collect_events()
    started = time.thread_time()
    for command in todo:
        session = live[command.stream_id]
        session.record(command.facts, command.payload_json, received_at=command.received_at,
                       source=command.source, context_json=command.context_json)  # fmt: skip
        assert command.ruling is not None
        session.decide(command.ruling, at=command.received_at)
    aggregate = time.thread_time() - started
    pending = [e for s in live.values() for e in s.collect_events()]
    started = time.thread_time()
    for event in pending:
        event_digest(event)
    digest = time.thread_time() - started
    started = time.thread_time()
    for event in pending:
        app.mapper.to_stored_event(event)
    mapper = time.thread_time() - started
    app.close()
    return {"aggregate_us": 1e6 * aggregate / n, "of_which_hash_us": 1e6 * digest / n,
            "mapper_us": 1e6 * mapper / n}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--sessions", type=int, default=256)
    parser.add_argument("--batches", default="1,16,64")
    parser.add_argument("--keys", action="store_true", help="send an Idempotency-Key each")
    parser.add_argument("--split", action="store_true")
    args = parser.parse_args()
    schema = f"bench_writer_{uuid.uuid4().hex[:8]}"
    migrate(args.database_url, schema)
    ingestor = Ingestor(eventsourcing_env(args.database_url, schema, 2))
    print(f"# {platform.machine()}, {platform.python_version()}, schema {schema}", file=sys.stderr)
    try:
        results = [
            measure(ingestor, f"b{b}", b, args.seconds, args.sessions, args.keys)
            for b in (int(x) for x in args.batches.split(","))
        ]
    finally:
        ingestor.close()
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    print("batch  µs CPU/hook  commits/s  hooks/s")
    for r in results:
        print(f"{r['batch']:>5}  {r['us_cpu_per_event']:>10.1f}  {r['commits_per_s']:>9.0f}"
              f"  {r['commits_per_s'] * r['batch']:>7.0f}")  # fmt: skip
    if args.split:
        parts = split(args.sessions)
        print("split (µs per hook = 2 events, no database): "
              + ", ".join(f"{k} {v:.1f}" for k, v in parts.items()))  # fmt: skip


if __name__ == "__main__":
    main()
