"""The relay publishes the event log to JetStream: every event once, in order, under its
tenant's subject, with a stable Nats-Msg-Id, and never the sealed originals; one relay leads;
a relay that died before its checkpoint sends nothing twice."""

from __future__ import annotations

import asyncio
import dataclasses

from commands.guardrails.service import PolicyDesk
from commands.ingest.service import Ingestor
from commands.reactions.relay.public_events import SPECS, json_schema, subject_token
from commands.reactions.relay.worker import RelayWorker
from domain.guardrails.values import Decision, Mode
from infra.database import connect, eventsourcing_env
from infra.nats import connect as nats_connect
from infra.nats import dump_nats
from tests.cleanup import delete_stream
from tests.conftest import session_files
from tests.integration.relay_support import (
    RunningRelay,
    head,
    relay_settings,
    stream_messages,
    wait_for_checkpoint,
)
from tests.unit.schema_check import validate
from tests.unit.timeline_fixtures import hook_command

__all__ = ["relay_settings"]  # the fixture, used by name

SEALED = "SEALED-ORIGINALS-c1a55ified"


def record(pg_url, schema, texts, *, tenant="default", offset=0, sealed=None) -> int:
    ingestor = Ingestor(eventsourcing_env(pg_url, schema, 1))
    try:
        commands = [hook_command(t, offset + i, tenant) for i, t in enumerate(texts)]
        if sealed:
            commands = [
                dataclasses.replace(c, sealed=sealed, redacted=("email",)) for c in commands
            ]
        return int(ingestor.record(commands)[-1].position or 0)
    finally:
        ingestor.close()


def assert_exactly_once_in_order(messages, store) -> None:
    notifications = store.recorder.select_notifications(start=1, limit=100_000)
    positions = [m.document["position"] for m in messages]
    assert positions == [n.id for n in notifications]
    ids = [m.headers["Nats-Msg-Id"] for m in messages]
    assert len(set(ids)) == len(ids)
    assert ids == [m.document["id"] for m in messages]
    assert ids == [f"{n.originator_id}:{n.originator_version}" for n in notifications]


def test_every_event_is_published_once_in_order_under_its_tenants_subject(
    pg_url, schema, store, relay_settings, db
):
    texts = [p.read_text() for p in session_files()]
    record(pg_url, schema, texts[:30])
    record(pg_url, schema, texts[:5], tenant="acme.com", sealed=SEALED)
    desk = PolicyDesk(eventsourcing_env(pg_url, schema, 1))
    desk.set_mode("acme.com", "destructive_rm", Mode.SHADOW, "tester")
    desk.quarantine("acme.com", "session", "s-1", Decision.DENY, "runaway", "tester")
    desk.release("acme.com", "session", "s-1", "calm", "tester")
    desk.close()
    with RunningRelay(RelayWorker(store, relay_settings, pg_url, batch_size=16)):
        wait_for_checkpoint(db, head(store))
    messages = stream_messages(relay_settings)
    assert_exactly_once_in_order(messages, store)
    prefix = relay_settings.nats_subject_prefix
    for message in messages:
        document = message.document
        assert message.subject == (
            f"{prefix}.{subject_token(document['tenant'])}.{document['type']}.v1"
        )
        assert message.headers["Observatory-Position"] == str(document["position"])
        validate(document, json_schema(SPECS[document["type"]]))
        assert SEALED not in message.raw.decode()
    tenants = {m.document["tenant"] for m in messages}
    assert tenants == {"default", "acme.com"}
    assert any(m.subject.startswith(f"{prefix}.acme~2ecom.quarantine_imposed.") for m in messages)
    assert {m.document["type"] for m in messages} >= {
        "session_opened", "tool_call_requested", "guardrail_rule_mode_set", "quarantine_lifted",
    }  # fmt: skip


def test_a_relay_that_died_before_its_checkpoint_sends_nothing_twice(
    pg_url, schema, store, relay_settings, db
):
    """Publish-acked-but-checkpoint-not-advanced: the restarted relay finds the batch in the
    stream and does not send it again (even past the dedup window)."""
    texts = [p.read_text() for p in session_files()]
    record(pg_url, schema, texts[:20])

    class DiesBeforeCheckpoint(RelayWorker):
        died = False

        def _advance(self, conn, start, end):
            if not DiesBeforeCheckpoint.died:
                DiesBeforeCheckpoint.died = True
                raise RuntimeError("killed between the broker's ack and the checkpoint")
            super()._advance(conn, start, end)

    worker = DiesBeforeCheckpoint(store, relay_settings, pg_url, batch_size=8, max_backoff=0.1)
    with RunningRelay(worker):
        wait_for_checkpoint(db, head(store))
    assert DiesBeforeCheckpoint.died
    assert worker.stats.found_in_stream == 8
    assert worker.stats.duplicates == 0
    assert_exactly_once_in_order(stream_messages(relay_settings), store)


def test_a_batch_sent_again_within_the_window_is_stored_once(pg_url, schema, store, relay_settings):
    """The Nats-Msg-Id dedup: a batch re-sent after a checkpoint that did not move."""
    record(pg_url, schema, [p.read_text() for p in session_files()[:6]])
    worker = RelayWorker(store, relay_settings, pg_url, batch_size=100)

    async def twice() -> None:
        from infra.nats import ensure_stream

        client = await nats_connect(str(relay_settings.nats_url), name="test")
        js = client.jetstream()
        await ensure_stream(js, relay_settings.nats_stream, relay_settings.nats_subject_prefix, 60)
        with connect(pg_url, schema, autocommit=True) as conn:
            from infra.tracking import ensure

            ensure(conn, "relay:nats")
            sent = await worker.relay_once(js, conn)
            worker.position = 0
            conn.execute("UPDATE projection_positions SET position = 0 WHERE name = 'relay:nats'")
            assert await worker.relay_once(js, conn) == sent
        await client.close()

    asyncio.run(twice())
    assert worker.stats.duplicates == worker.stats.published // 2 > 0
    assert_exactly_once_in_order(stream_messages(relay_settings), store)


def test_one_relay_leads_and_the_standby_takes_over(pg_url, schema, store, relay_settings, db):
    texts = [p.read_text() for p in session_files()]
    first = RelayWorker(store, relay_settings, pg_url, batch_size=10, poll_seconds=0.1)
    second = RelayWorker(store, relay_settings, pg_url, batch_size=10, poll_seconds=0.1)
    one, two = RunningRelay(first), RunningRelay(second)
    with one, two:
        wait_for_checkpoint(db, record(pg_url, schema, texts[:24]))
        assert first.leading != second.leading
        leader = one if first.leading else two
        leader.__exit__()
        wait_for_checkpoint(db, record(pg_url, schema, texts[24:], offset=24))
    assert_exactly_once_in_order(stream_messages(relay_settings), store)


PERSONAL_HOOK = {
    "session_id": "relay-privacy", "hook_event_name": "PreToolUse", "tool_name": "Bash",
    "tool_use_id": "toolu_relay", "cwd": "/home/jane",
    "tool_input": {"command": "mail jane.doe@example.com < AKIAZ7QX3EXAMPLEKEY1 && rm -rf /"},
}  # fmt: skip
PERSONAL = ["jane.doe@example.com", "AKIAZ7QX3EXAMPLEKEY1"]


def test_the_privacy_dump_holds_every_message_and_never_the_sealed_originals(
    pg_url, schema, store, relay_settings, db, client
):
    """Hooks through the real ingest path (redaction, sealing, a guardrail decision)."""
    for path in session_files()[:12]:
        response = client.post("/v1/hooks/claude-code", content=path.read_bytes())
        assert response.status_code == 200
    response = client.post("/v1/hooks/claude-code", json=PERSONAL_HOOK)
    assert response.json()["hookSpecificOutput"]["permissionDecision"] == "deny"
    events = [store.mapper.to_domain_event(n)
              for n in store.recorder.select_notifications(start=1, limit=1000)]  # fmt: skip
    sealed = [e.sealed for e in events if getattr(e, "sealed", None)]
    assert sealed, "the personal hook's originals were sealed"
    with RunningRelay(RelayWorker(store, relay_settings, pg_url)):
        wait_for_checkpoint(db, head(store))
    dumped = list(dump_nats(relay_settings, pg_url))
    assert len(dumped) == len(events)
    assert all(where.startswith(f"nats:{relay_settings.nats_stream}#") for where, _ in dumped)
    for _, text in dumped:
        assert not any(secret in text for secret in [*PERSONAL, *sealed]), text
    assert "[REDACTED:" in " ".join(text for _, text in dumped)
    messages = stream_messages(relay_settings)
    assert "tool_call_decided" in {m.document["type"] for m in messages}
    for message in messages:
        validate(message.document, json_schema(SPECS[message.document["type"]]))
    assert list(dump_nats(relay_settings.replace(nats_url=None), pg_url)) == []


def test_a_stream_created_anew_gets_the_whole_log_again(pg_url, schema, store, relay_settings, db):
    record(pg_url, schema, [p.read_text() for p in session_files()[:8]])
    with RunningRelay(RelayWorker(store, relay_settings, pg_url)):
        wait_for_checkpoint(db, head(store))
    delete_stream(str(relay_settings.nats_url), relay_settings.nats_stream)
    db.execute("LISTEN observatory_projections")
    worker = RelayWorker(store, relay_settings, pg_url, batch_size=4)
    with RunningRelay(worker):
        rewound = next(n for n in db.notifies(timeout=20) if n.payload == "relay:nats:0")
        assert rewound
        wait_for_checkpoint(db, head(store))
    assert worker.stats.published == head(store)
    assert_exactly_once_in_order(stream_messages(relay_settings), store)
