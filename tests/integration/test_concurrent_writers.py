"""Two API replicas writing the same sessions at once: nothing lost, nothing twice, chains hold."""

from __future__ import annotations

import json
import logging
import threading

from commands.ingest.messages import RecordHook
from commands.ingest.service import Ingestor
from domain.audit.chain import verify_chain
from domain.sessions.values import session_stream_id
from infra.database import eventsourcing_env
from tests.unit.timeline_fixtures import hook_command


def test_replicas_racing_on_the_same_streams_lose_nothing(pg_url, schema):
    replicas = [Ingestor(eventsourcing_env(pg_url, schema, 2)) for _ in range(2)]
    sessions = [f"race-{i}" for i in range(5)]
    errors: list[BaseException] = []

    def write(replica: Ingestor, name: str) -> None:
        try:
            for batch in range(20):
                commands = [
                    hook_command(
                        json.dumps(
                            {
                                "session_id": s,
                                "hook_event_name": "PreToolUse",
                                "tool_name": "Read",
                                "tool_use_id": f"{name}-{batch}-{i}",
                            }
                        ),
                        batch,
                    )
                    for i, s in enumerate(sessions)
                ]
                replica.record(commands)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(r, f"r{i}")) for i, r in enumerate(replicas)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    reader = replicas[0]
    for session in sessions:
        events = list(reader.events.get(session_stream_id("default", session)))
        ids = [json.loads(e.payload_json)["tool_use_id"] for e in events[1:]]
        assert len(ids) == 40 and len(set(ids)) == 40  # 2 replicas x 20 batches, none twice
        assert verify_chain(events).intact
    for replica in replicas:
        replica.close()


def test_replicas_starting_at_once_all_start(pg_url, schema):
    # serve --workers N starts N processes together; each creates the event tables if missing.
    # Without serialising that, PostgreSQL answers one of them "tuple concurrently updated".
    barrier = threading.Barrier(4)
    started: list[Ingestor] = []
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            started.append(Ingestor(eventsourcing_env(pg_url, schema, 1)))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(started) == 4
    for replica in started:
        replica.close()


def test_a_stale_cached_session_is_refused_then_reloaded(pg_url, schema, caplog):
    # A batch without Idempotency-Keys whose sessions are all cached goes straight to the
    # insert (no read first). When another writer appended to such a session meanwhile, the
    # (stream, version) key refuses the insert and the batch is applied again from the log.
    first, other = (Ingestor(eventsourcing_env(pg_url, schema, 1)) for _ in range(2))

    def hook(n: int) -> RecordHook:
        body = {"session_id": "stale", "hook_event_name": "PreToolUse", "tool_name": "Read",
                "tool_use_id": f"call-{n}"}  # fmt: skip
        return hook_command(json.dumps(body), n)

    first.record([hook(0)])  # the session is now cached by `first`
    other.record([hook(1)])  # ...and appended to behind its back
    with caplog.at_level(logging.INFO, logger="commands.ingest.service"):
        [receipt] = first.record([hook(2)])
    assert "lost a race" in caplog.text  # the optimistic insert was refused, not skipped
    stream = session_stream_id("default", "stale")
    events = list(first.events.get(stream))
    assert [json.loads(e.payload_json)["tool_use_id"] for e in events[1:]] == [
        "call-0", "call-1", "call-2"]  # fmt: skip
    assert [e.originator_version for e in events] == [1, 2, 3, 4]
    assert verify_chain(events).intact
    assert receipt.position == first.recorder.stream_positions(stream)[4]  # type: ignore[attr-defined]
    first.close()
    other.close()
