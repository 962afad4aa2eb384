"""The relay: the event log, in order, to a NATS JetStream stream; each event exactly once.

A leader (PostgreSQL advisory lock; replicas stand by and take over when its connection goes)
reads up to ``batch_size`` notifications after its checkpoint, publishes them all
asynchronously (``publish_async``, one message per event, ``Nats-Msg-Id`` = the event id),
waits for the broker to acknowledge every one, and only then advances the checkpoint
(``projection_positions``, name ``relay:nats``). Nothing is ever skipped: a failed batch is
published again, whole, after a backoff.

Why no event lands twice:
- a batch sent again within the stream's duplicate window is dropped by JetStream (same
  ``Nats-Msg-Id``);
- beyond the window (a relay that died after publishing and stayed down longer), the relay
  checks the stream at start: the messages after its checkpoint (at most one batch, since the
  checkpoint follows every acknowledged batch) are read back, and their events are not sent
  again;
- a stream that never held a message (new, or recreated) gets the whole log again.

Errors: NATS or PostgreSQL unavailable -> a warning, everything closed, retry with
exponential backoff (capped); the checkpoint has not moved, so the retry resumes exactly there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import nats.errors
import psycopg
from eventsourcing.persistence import OperationalError
from nats.js import JetStreamContext
from nats.js.api import PubAck, StreamInfo
from nats.js.errors import NotFoundError

from commands.reactions.relay.public_events import Publication, publication
from commands.reactions.runner import Follows
from commands.store.application import EventStoreApplication
from commands.store.log_reader import events_channel
from infra import nats as broker
from infra import tracking
from infra.database import connect
from infra.leadership import Leadership, Wakeup
from infra.metrics import (
    RELAY_DUPLICATES,
    RELAY_FAILURES,
    RELAY_LAG_EVENTS,
    RELAY_LAG_SECONDS,
    RELAY_POSITION,
    RELAY_PUBLISHED,
)
from infra.settings import Settings
from infra.tracking import StalePositionError

log = logging.getLogger(__name__)

CHECKPOINT = "relay:nats"
"""Row of ``projection_positions`` holding the last position the broker acknowledged."""

HEADROOM = 8_192
"""Bytes of ``max_payload`` left for headers and framing (they count against the limit)."""

TRUNCATED_HEADER = "Observatory-Truncated"
"""On a truncated document: the size in bytes of the whole one (docs/stream.md)."""

NATS_ERRORS = (nats.errors.Error, TimeoutError, asyncio.TimeoutError, OSError)
DATABASE_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError, OperationalError)


@dataclass
class RelayStats:
    batches: int = 0
    published: int = 0
    duplicates: int = 0
    """Acknowledgements JetStream flagged duplicate (caught by the window)."""
    found_in_stream: int = 0
    """Events after the checkpoint already in the stream at start (not sent again)."""
    failures: int = 0


class RelayWorker:
    """Keeps the stream current until stopped; survives NATS and PostgreSQL outages.

    A ``Reaction`` (``commands.reactions.runner``): ``run(stop)`` blocks (run it in a thread);
    ``position``, ``head`` and ``leading`` show progress to whoever watches (the CLI, tests).
    """

    name = CHECKPOINT
    follows: Follows = "log"

    def __init__(
        self,
        store: EventStoreApplication,
        settings: Settings,
        url: str,
        *,
        nats_url: str | None = None,
        batch_size: int = 1_000,
        poll_seconds: float = 0.5,
        ack_timeout: float = 10.0,
        max_backoff: float = 5.0,
    ) -> None:
        self._store = store
        self._url = url
        self._schema = settings.database_schema
        self._nats_url = nats_url or settings.nats_url or "nats://127.0.0.1:4222"
        self.stream = settings.nats_stream
        self._prefix = settings.nats_subject_prefix
        self._window = settings.nats_duplicate_window_seconds
        self._batch_size = batch_size
        self._poll = poll_seconds
        self._ack_timeout = ack_timeout
        self._max_backoff = max_backoff
        self.position = 0
        self.head = 0
        self.leading = False
        self.stats = RelayStats()
        self._in_stream: set[str] = set()
        self._in_stream_until = 0
        self._max_payload = 1_048_576  # NATS's default; the server's INFO says at connect

    @property
    def lock_key(self) -> str:
        return f"observatory:relay:{self._schema}:{CHECKPOINT}"

    def run(self, stop: threading.Event) -> None:
        asyncio.run(self._run(stop))

    async def _run(self, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            published = self.stats.published
            try:
                await self._lead(stop)
            except NATS_ERRORS as error:
                failures = self._failed("nats", f"NATS at {self._nats_url}", error, failures)
            except DATABASE_ERRORS as error:
                failures = self._failed("database", "PostgreSQL", error, failures)
            except Exception as error:
                log.exception("relay: batch failed")
                failures = self._failed("other", "the batch", error, failures)
            finally:
                self.leading = False
            if self.stats.published > published:
                failures = min(failures, 1)  # it worked for a while: retry soon
            if failures and not stop.is_set():
                delay = min(self._max_backoff, 0.1 * 2 ** (failures - 1)) * random.uniform(0.8, 1)  # noqa: S311
                await asyncio.to_thread(stop.wait, delay)

    def _failed(self, reason: str, what: str, error: BaseException, failures: int) -> int:
        self.stats.failures += 1
        RELAY_FAILURES.labels(self.stream, reason).inc()
        log.warning(
            "relay: %s unavailable (%s: %s); retrying, nothing skipped: the stream has every "
            "event up to position %d", what, type(error).__name__, error, self.position,
        )  # fmt: skip
        return failures + 1

    async def _lead(self, stop: threading.Event) -> None:
        conn = await asyncio.to_thread(connect, self._url, self._schema, autocommit=True)
        wakeup: Wakeup | None = None
        try:
            wakeup = await asyncio.to_thread(Wakeup, self._url, events_channel(self._store))
            leadership = Leadership(conn, self.lock_key)
            while not stop.is_set() and not await asyncio.to_thread(leadership.try_acquire):
                await asyncio.to_thread(wakeup.wait, self._poll * 4)
            if stop.is_set():
                return
            await asyncio.to_thread(tracking.ensure, conn, CHECKPOINT)
            client = await broker.connect(self._nats_url, name="observatory-relay")
            self._max_payload = client.max_payload or self._max_payload
            try:
                await self._relay(stop, conn, wakeup, client.jetstream())
            finally:
                with contextlib.suppress(Exception):
                    await client.close()
        finally:
            for closable in (wakeup, conn):
                if closable is not None:
                    with contextlib.suppress(Exception):
                        closable.close()

    async def _relay(
        self, stop: threading.Event, conn: psycopg.Connection[Any], wakeup: Wakeup,
        js: JetStreamContext,
    ) -> None:  # fmt: skip
        info = await broker.ensure_stream(js, self.stream, self._prefix, self._window)
        self.position = await asyncio.to_thread(tracking.read, conn, CHECKPOINT)
        await self._reconcile(js, info, conn)
        self.leading = True
        log.info("relay: leading; publishing to %s from position %d", self.stream, self.position)
        while not stop.is_set():
            if await self.relay_once(js, conn) == 0:
                await asyncio.to_thread(wakeup.wait, self._poll)

    async def relay_once(self, js: JetStreamContext, conn: psycopg.Connection[Any]) -> int:
        """Publishes the next batch and advances the checkpoint; returns its size (0: idle)."""
        start = self.position
        recorder = self._store.recorder
        notifications = await asyncio.to_thread(
            recorder.select_notifications, start, self._batch_size, inclusive_of_start=False
        )
        self.head = await asyncio.to_thread(self._head)
        if not notifications:
            RELAY_LAG_EVENTS.labels(self.stream).set(max(0, self.head - start))
            return 0
        decode = self._store.mapper.to_domain_event
        events = [(n.id, decode(n)) for n in notifications]
        limit = max(self._max_payload - HEADROOM, 1_024)
        batch = [publication(p, event, self._prefix, limit) for p, event in events]
        end = batch[-1].position
        acks = await self._publish(js, [p for p in batch if p.msg_id not in self._in_stream])
        try:
            await asyncio.to_thread(self._advance, conn, start, end)
        except StalePositionError:
            log.info("relay: another relay moved the checkpoint; re-reading it")
            self.position = await asyncio.to_thread(tracking.read, conn, CHECKPOINT)
            return 0
        self.position = end
        if end >= self._in_stream_until:
            self._in_stream.clear()
        self._observe(acks, events[-1][1])
        return len(batch)

    async def _publish(self, js: JetStreamContext, batch: list[Publication]) -> list[PubAck]:
        """Sends the whole batch, then waits until the broker acknowledged every message."""
        if not batch:
            return []
        js_futures: list[asyncio.Future[PubAck]] = []
        try:
            for item in batch:
                headers = {broker.MSG_ID_HEADER: item.msg_id,
                           broker.POSITION_HEADER: str(item.position)}  # fmt: skip
                if item.truncated_from:
                    headers[TRUNCATED_HEADER] = str(item.truncated_from)
                js_futures.append(
                    await js.publish_async(
                        item.subject, item.body, stream=self.stream, headers=headers
                    )
                )
            return await asyncio.wait_for(asyncio.gather(*js_futures), self._ack_timeout)
        except BaseException:
            for future in js_futures:
                future.cancel()
            raise

    def _head(self) -> int:
        return int(self._store.recorder.max_notification_id() or 0)

    def _advance(self, conn: psycopg.Connection[Any], start: int, end: int) -> None:
        with conn.transaction(), conn.cursor() as cur:
            tracking.claim(cur, CHECKPOINT, start)
            tracking.advance(cur, CHECKPOINT, end)

    async def _reconcile(
        self, js: JetStreamContext, info: StreamInfo, conn: psycopg.Connection[Any]
    ) -> None:
        """Makes the checkpoint agree with what the stream holds (see the module docstring)."""
        self._in_stream, self._in_stream_until = set(), 0
        state = info.state
        if state.last_seq == 0:
            if self.position > 0:
                log.warning(
                    "relay: stream %s has never held a message but the checkpoint is at %d; "
                    "publishing the whole log to it", self.stream, self.position,
                )  # fmt: skip
                await asyncio.to_thread(self._advance, conn, self.position, 0)
                self.position = 0
            return
        seq = state.last_seq
        while seq >= max(state.first_seq, 1):
            try:
                message = await js.get_msg(self.stream, seq)
            except NotFoundError:
                seq -= 1
                continue
            headers = message.headers or {}
            if broker.POSITION_HEADER not in headers:
                break
            position = int(headers[broker.POSITION_HEADER])
            if position <= self.position:
                break
            self._in_stream.add(str(headers.get(broker.MSG_ID_HEADER)))
            self._in_stream_until = max(self._in_stream_until, position)
            seq -= 1
        if self._in_stream:
            self.stats.found_in_stream += len(self._in_stream)
            log.warning("relay: %d events after checkpoint %d are in the stream already (a "
                        "relay stopped before its checkpoint); they are not sent again",
                        len(self._in_stream), self.position)  # fmt: skip

    def _observe(self, acks: list[PubAck], last: Any) -> None:
        duplicates = sum(1 for ack in acks if ack.duplicate)
        self.stats.batches += 1
        self.stats.published += len(acks)
        self.stats.duplicates += duplicates
        RELAY_PUBLISHED.labels(self.stream).inc(len(acks))
        RELAY_DUPLICATES.labels(self.stream).inc(duplicates)
        RELAY_POSITION.labels(self.stream).set(self.position)
        RELAY_LAG_EVENTS.labels(self.stream).set(max(0, self.head - self.position))
        arrived = getattr(last, "timestamp", None)
        if isinstance(arrived, datetime):
            RELAY_LAG_SECONDS.labels(self.stream).observe(
                max(0.0, (datetime.now(UTC) - arrived).total_seconds())
            )
