"""NATS down during ingest: the relay retries without skipping; afterwards the stream holds
every event exactly once, in order. Runs its own nats-server (stopped and started here)."""

from __future__ import annotations

from commands.reactions.relay.worker import RelayWorker
from infra.embedded.nats import EmbeddedNats
from tests.conftest import session_files
from tests.integration.relay_support import (
    RunningRelay,
    checkpoint,
    stream_messages,
    wait_for_checkpoint,
)
from tests.integration.test_relay import assert_exactly_once_in_order, record


def test_nats_stopped_during_ingest_then_started_the_stream_holds_every_event_exactly_once(
    pg_url, schema, store, settings, db, tmp_path
):
    texts = [p.read_text() for p in session_files()]
    server = EmbeddedNats(tmp_path / "nats")
    url = server.start()
    configured = settings.replace(nats_url=url, nats_stream="OUTAGE", nats_subject_prefix="outage")
    worker = RelayWorker(
        store, configured, pg_url, batch_size=8, poll_seconds=0.1, ack_timeout=1.0,
        max_backoff=0.2,
    )  # fmt: skip
    try:
        with RunningRelay(worker):
            wait_for_checkpoint(db, record(pg_url, schema, texts[:16]))
            record(pg_url, schema, texts[16:32], offset=16)  # the relay is busy with these…
            server.stop()  # …when NATS goes
            position = record(pg_url, schema, texts[32:], offset=32)
            assert checkpoint(db) < position
            assert server.start() == url
            wait_for_checkpoint(db, position)
        assert worker.stats.failures >= 1
        assert_exactly_once_in_order(stream_messages(configured), store)
    finally:
        server.stop()
    assert server.running_port() is None
