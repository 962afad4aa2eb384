"""Fixtures and helpers for relay tests: a stream and subject prefix per test on the machine's
NATS (deleted afterwards), a relay running in a thread, waiting on its checkpoint, and reading
the stream back."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from commands.reactions.relay.worker import CHECKPOINT, RelayWorker
from infra.nats import connect, read_stream
from infra.settings import Settings
from tests.cleanup import delete_stream

NATS_URL = os.environ.get("OBSERVATORY_TEST_NATS_URL", "nats://127.0.0.1:4222")


@pytest.fixture
def relay_settings(settings: Settings) -> Iterator[Settings]:
    tag = uuid.uuid4().hex[:10]
    configured = settings.replace(
        nats_url=NATS_URL, nats_stream=f"T_{tag}", nats_subject_prefix=f"t{tag}"
    )
    yield configured
    delete_stream(NATS_URL, configured.nats_stream)


@dataclass
class Message:
    subject: str
    headers: dict[str, str]
    document: dict[str, Any]
    raw: bytes


def stream_messages(settings: Settings, url: str | None = None) -> list[Message]:
    async def collect() -> list[Message]:
        client = await connect(url or str(settings.nats_url), name="test-reader")
        try:
            return [
                Message(m.subject, dict(m.headers or {}), json.loads(m.data), m.data)
                async for m in read_stream(client.jetstream(), settings.nats_stream)
            ]
        finally:
            await client.close()

    return asyncio.run(collect())


def checkpoint(db: Any) -> int:
    row = db.execute(
        "SELECT position FROM projection_positions WHERE name = %s", (CHECKPOINT,)
    ).fetchone()
    return int(row[0]) if row else 0


def wait_for_checkpoint(db: Any, position: int, seconds: float = 60.0) -> None:
    """Blocks on the relay's NOTIFY until its checkpoint reaches ``position``."""
    db.execute("LISTEN observatory_projections")
    deadline = time.monotonic() + seconds
    while checkpoint(db) < position:
        left = deadline - time.monotonic()
        assert left > 0, f"relay checkpoint stuck at {checkpoint(db)}, waiting for {position}"
        for _ in db.notifies(timeout=min(left, 1.0), stop_after=1):
            pass


class RunningRelay:
    """A relay worker in its own thread, stopped on exit."""

    def __init__(self, worker: RelayWorker) -> None:
        self.worker = worker
        self.stop = threading.Event()
        self.thread = threading.Thread(target=worker.run, args=(self.stop,), name="test-relay")

    def __enter__(self) -> RelayWorker:
        self.thread.start()
        return self.worker

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)
        assert not self.thread.is_alive(), "the relay did not stop"


def head(store: Any) -> int:
    return int(store.recorder.max_notification_id() or 0)
