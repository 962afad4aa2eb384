"""The Ingestor: records hooks, many requests per transaction.

``record`` takes a batch of commands (collected by the group-commit writer), applies each to
its session aggregate in arrival order and saves all of them in one eventsourcing ``save`` —
one transaction, together with the batch's idempotency records.

Round trips per batch: the insert, preceded by one read only when the batch needs one (stored
replies for the batch's Idempotency-Keys, snapshot + events of sessions not cached, and then
also the events other writers appended to the cached sessions). A batch without keys whose
sessions are all cached (the common case under load) goes straight to the insert.

Aggregates stay cached between batches. Another writer (an API replica, an erasure) may append
to the same session meanwhile. Then the insert fails on the stream's version key: the batch's
aggregates are dropped from the cache (they may be stale, and hold uncommitted changes) and the
batch is applied again, from sessions loaded afresh, after a short random pause.

Snapshots are taken from the in-memory aggregates right after a batch commits (every
``snapshot_every`` events of a session), so loading a long session reads a snapshot and at most
that many events.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.utils import EnvType

from commands.ingest.messages import Command, Receipt, RecordHook, RecordTelemetry
from commands.store.application import EventStoreApplication
from commands.store.replies import CanPrefetch, IdempotencyRecord, StoredReply
from domain.sessions.aggregate import AgentSession

log = logging.getLogger(__name__)

KEY_REUSED = (
    "This Idempotency-Key was first used for a different request body; "
    "send a new key for a new request."
)


class IngestConflictError(Exception):
    """Other writers kept winning the race for the same streams; the batch was not saved."""


class Ingestor(EventStoreApplication):
    def __init__(
        self,
        env: EnvType | None = None,
        *,
        cache_size: int = 10_000,
        max_attempts: int = 12,
        snapshot_every: int = 200,
    ) -> None:
        super().__init__(env)
        self._cache: OrderedDict[UUID, AgentSession] = OrderedDict()
        self._cache_size = cache_size
        self._max_attempts = max_attempts
        self._snapshot_every = snapshot_every

    @property
    def log_store(self) -> CanPrefetch:
        return cast(CanPrefetch, self.recorder)

    def record(self, commands: Sequence[Command]) -> list[Receipt]:
        """Appends every command's events durably; one receipt per command, in order."""
        streams = {stream_id for command in commands for stream_id in command.stream_ids}
        for attempt in range(1, self._max_attempts + 1):
            try:
                return self._record_once(commands, streams)
            except IntegrityError:
                log.info("ingest batch lost a race with another writer (attempt %d)", attempt)
                self._forget(streams)
                # Back off a little, randomly, so racing replicas stop colliding.
                time.sleep(random.uniform(0, 0.002 * attempt))  # noqa: S311 - jitter, not crypto
            except BaseException:
                self._forget(streams)
                raise
        raise IngestConflictError(f"gave up after {self._max_attempts} attempts")

    def _record_once(self, commands: Sequence[Command], streams: set[UUID]) -> list[Receipt]:
        hooks = [c for c in commands if isinstance(c, RecordHook)]
        keys = sorted({(c.tenant_id, c.idempotency_key) for c in hooks if c.idempotency_key})
        sessions, stored = self._load(streams, keys)
        receipts: list[Receipt | None] = [None] * len(commands)
        first_with_key: dict[tuple[str, str], int] = {}
        todo: list[int] = []
        for index, command in enumerate(commands):
            if isinstance(command, RecordHook) and command.idempotency_key:
                key = (command.tenant_id, command.idempotency_key)
                if key in stored:
                    receipts[index] = _replayed(stored[key], command)
                    continue
                if key in first_with_key:
                    continue  # answered like the first request with this key, below
                first_with_key[key] = index
            todo.append(index)

        last_event: dict[int, tuple[UUID, int]] = {}
        for index in todo:
            command = commands[index]
            if isinstance(command, RecordTelemetry):
                last_event[index] = _record_telemetry(command, sessions)
                continue
            session = _session(sessions, command.stream_id, command.tenant_id,
                               command.facts.session_id, command.received_at)  # fmt: skip
            session.record(
                command.facts,
                command.payload_json,
                received_at=command.received_at,
                source=command.source,
                context_json=command.context_json,
                redacted=command.redacted,
                sealed=command.sealed,
            )
            if command.ruling is not None:
                session.decide(command.ruling, at=command.received_at)
                session.request_approval(command.ruling, at=command.received_at)
            last_event[index] = (session.id, session.version)

        touched = [s for s in sessions.values() if s.pending_events]
        due = [s for s in touched if self._snapshot_due(s)]
        records = [
            IdempotencyRecord(
                tenant_id=hook.tenant_id,
                key=str(hook.idempotency_key),
                request_sha256=hook.request_sha256,
                status=hook.status,
                reply=hook.reply,
                stream_id=last_event[i][0],
                version=last_event[i][1],
                created_at=hook.received_at,
            )
            for i in todo
            if isinstance(hook := commands[i], RecordHook) and hook.idempotency_key
        ]
        # EventStore.put, not Application.save: save() type-checks every aggregate against
        # typing Protocols (slow on Python 3.11) and we keep our own cache and snapshots.
        pending = [event for session in touched for event in session.collect_events()]
        recordings = self.events.put(pending, idempotency=records) if pending else []
        positions: dict[tuple[UUID, int], int] = {}
        for r in recordings:
            # A telemetry command's receipt names its last event: the highest position of all.
            positions[(r.domain_event.originator_id, r.domain_event.originator_version)] = (
                r.notification.id
            )
        positions[_LAST] = max(positions.values(), default=0)
        for session in sessions.values():
            self._remember(session)
        self._snapshot(due)
        recorded: dict[int, Receipt] = {}
        for index in todo:
            command = commands[index]
            recorded[index] = Receipt(command.status, command.reply, positions[last_event[index]])
            receipts[index] = recorded[index]
        for index, command in enumerate(commands):
            if receipts[index] is None and isinstance(command, RecordHook):
                key = (command.tenant_id, str(command.idempotency_key))
                first = first_with_key[key]
                receipts[index] = _same_key_again(cast(RecordHook, commands[first]),
                                                  recorded[first], command)  # fmt: skip
        return [r for r in receipts if r is not None]

    def _load(
        self, stream_ids: set[UUID], keys: list[tuple[str, str]]
    ) -> tuple[dict[UUID, AgentSession], dict[tuple[str, str], StoredReply]]:
        cached = {i: self._cache[i] for i in stream_ids if i in self._cache}
        cold = sorted(stream_ids - cached.keys())
        if not keys and not cold:
            # Optimistic: nothing to look up. Should another writer have appended to a cached
            # session meanwhile, the insert is refused on the (stream, version) key and
            # ``record`` applies the batch again from freshly loaded sessions.
            return cached, {}
        fetched = self.log_store.prefetch(keys, [(i, s.version) for i, s in cached.items()], cold)
        for stored in fetched.newer:
            self._decode(stored).mutate(cached[UUID(str(stored.originator_id))])
        loaded: dict[UUID, Any] = {}
        for stored in fetched.cold:  # a snapshot (or the first event), then what follows
            stream_id = UUID(str(stored.originator_id))
            loaded[stream_id] = self._decode(stored).mutate(loaded.get(stream_id))
        return {**cached, **loaded}, fetched.replies

    def _decode(self, stored: StoredEvent) -> Any:
        return self.mapper.to_domain_event(stored)

    def _snapshot_due(self, session: AgentSession) -> bool:
        before = session.version - len(session.pending_events)
        return session.version // self._snapshot_every > before // self._snapshot_every

    def _snapshot(self, sessions: list[AgentSession]) -> None:
        if sessions and self.snapshots is not None:
            # IntegrityError: another writer snapshotted this version already.
            with contextlib.suppress(IntegrityError):
                self.snapshots.put([Snapshot.take(s) for s in sessions])

    def _remember(self, session: AgentSession) -> None:
        self._cache[session.id] = session
        self._cache.move_to_end(session.id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _forget(self, stream_ids: Iterable[UUID]) -> None:
        for stream_id in stream_ids:
            self._cache.pop(stream_id, None)


def _replayed(stored: StoredReply, command: RecordHook) -> Receipt:
    if stored.request_sha256 != command.request_sha256:
        return Receipt(422, b"", None, replayed=True, problem=KEY_REUSED)
    return Receipt(stored.status, stored.reply, stored.position, replayed=True)


def _same_key_again(first: RecordHook, answered: Receipt, command: RecordHook) -> Receipt:
    if first.request_sha256 != command.request_sha256:
        return Receipt(422, b"", None, replayed=True, problem=KEY_REUSED)
    return Receipt(answered.status, answered.reply, answered.position, replayed=True)


_LAST = (UUID(int=0), 0)
"""Stands for "the batch's last event" (telemetry receipts name the highest position)."""


def _session(
    sessions: dict[UUID, AgentSession],
    stream_id: UUID,
    tenant_id: str,
    session_id: str,
    at: datetime,
) -> AgentSession:
    """The session's aggregate (``stream_id``), its stream opened when the session is new."""
    session = sessions.get(stream_id)
    if session is None:
        session = sessions[stream_id] = AgentSession.open(tenant_id, session_id, at)
    return session


def _record_telemetry(
    command: RecordTelemetry, sessions: dict[UUID, AgentSession]
) -> tuple[UUID, int]:
    """Applies every record of the export to its session, in order."""
    for item, stream_id in zip(command.items, command.item_streams, strict=True):
        session = _session(sessions, stream_id, command.tenant_id, item.facts.session_id,
                           command.received_at)  # fmt: skip
        session.record_telemetry(
            item.facts, item.payload_json, received_at=command.received_at,
            source=command.source, redacted=item.redacted, sealed=item.sealed,
        )  # fmt: skip
    return _LAST
