"""The Ingestor on in-memory persistence: batches, idempotency, receipts, snapshots."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from eventsourcing.domain import Snapshot
from eventsourcing.utils import get_topic

from commands.ingest.messages import RecordHook
from commands.ingest.service import Ingestor
from domain.audit.chain import verify_chain
from domain.sessions.aggregate import AgentSession
from domain.sessions.hooks import HookFacts
from domain.sessions.values import session_stream_id
from tests.conftest import S1, session_files

AT = datetime(2026, 8, 18, 9, 0, tzinfo=UTC)


def command(text: str, key: str | None = None, tenant: str = "default") -> RecordHook:
    return RecordHook(
        tenant_id=tenant,
        facts=HookFacts.from_payload(json.loads(text)),
        payload_json=text,
        received_at=AT,
        source="test",
        idempotency_key=key,
        request_sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def corpus_commands(keyed: bool = True) -> list[RecordHook]:
    return [command(p.read_text(), p.name if keyed else None) for p in session_files()]


def test_a_batch_is_recorded_in_order_with_one_position_per_command():
    app = Ingestor()
    receipts = app.record(corpus_commands())
    positions = [r.position for r in receipts]
    assert positions == sorted(positions)
    assert len(set(positions)) == 48
    assert all(r.status == 200 and not r.replayed for r in receipts)
    session = app.repository.get(session_stream_id("default", S1["id"]))
    assert session.version == 49  # Opened + 48 hooks
    assert session.status == "ENDED"


def test_a_repeated_idempotency_key_gets_the_first_answer_and_appends_nothing():
    app = Ingestor()
    first = app.record(corpus_commands()[:10])
    again = app.record(corpus_commands()[:10])
    assert [r.position for r in again] == [r.position for r in first]
    assert all(r.replayed for r in again)
    assert app.recorder.max_notification_id() == 11


def test_the_same_key_twice_in_one_batch_records_once():
    app = Ingestor()
    text = session_files()[0].read_text()
    receipts = app.record([command(text, "k1"), command(text, "k1")])
    assert receipts[0].position == receipts[1].position
    assert receipts[1].replayed
    assert app.recorder.max_notification_id() == 2


def test_a_key_reused_for_another_body_is_refused_without_appending():
    app = Ingestor()
    files = session_files()
    app.record([command(files[0].read_text(), "k1")])
    receipt = app.record([command(files[1].read_text(), "k1")])[0]
    assert receipt.status == 422
    assert receipt.problem
    assert app.recorder.max_notification_id() == 2


def test_keys_are_scoped_by_tenant():
    app = Ingestor()
    text = session_files()[0].read_text()
    a = app.record([command(text, "k1", tenant="a")])[0]
    b = app.record([command(text, "k1", tenant="b")])[0]
    assert not b.replayed
    assert a.position != b.position


def test_sessions_are_snapshotted_and_reload_with_an_intact_chain():
    app = Ingestor(cache_size=1)
    base = json.loads(session_files()[3].read_text())
    texts = [json.dumps({**base, "tool_use_id": f"toolu_{i}"}) for i in range(250)]
    for start in range(0, 250, 50):
        app.record([command(t) for t in texts[start : start + 50]])
    stream = session_stream_id("default", base["session_id"])
    assert app.snapshots is not None
    assert list(app.snapshots.get(stream))  # taken every 100 events
    events = list(app.events.get(stream))
    assert verify_chain(events).intact
    reloaded = app.repository.get(stream)  # snapshot + the events after it
    assert isinstance(reloaded, AgentSession)
    assert reloaded.version == 251
    assert reloaded.head_hash == verify_chain(events).head


def test_a_snapshot_from_before_decisions_and_erasure_is_upcast_when_loaded():
    app = Ingestor(cache_size=0)  # every batch loads its session from the store
    texts = [p.read_text() for p in session_files()[:3]]
    app.record([command(t) for t in texts[:2]])
    stream = session_stream_id("default", S1["id"])
    session = app.repository.get(stream)
    internal = {
        "_id",
        "_version",
        "_pending_events",
        "last_hook",
        "erased",
        "approvals",
        "metric_series",
    }
    v1_state = {k: v for k, v in vars(session).items() if k not in internal}
    assert app.snapshots is not None
    app.snapshots.put([Snapshot(originator_id=stream, originator_version=session.version,
                                timestamp=AT, topic=get_topic(AgentSession), state=v1_state)])  # fmt: skip
    stored = app.snapshots.recorder.select_events(stream, desc=True, limit=1)[0]
    assert b"class_version" not in stored.state

    reloaded = app.repository.get(stream)
    assert (reloaded.last_hook, reloaded.erased, reloaded.approvals, reloaded.metric_series) == (
        {},
        False,
        {},
        {},
    )  # from the snapshot, upcast
    assert Snapshot.take(reloaded).state["class_version"] == AgentSession.class_version == 4
    receipt = app.record([command(texts[2])])[0]  # the writer continues from that snapshot
    assert receipt.status == 200
    assert verify_chain(app.events.get(stream)).intact
