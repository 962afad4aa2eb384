"""The Ingestor: records hooks, many requests per transaction.

``record`` takes a batch of commands (collected by the group-commit writer), applies each to
its session aggregate in arrival order and saves all of them in one eventsourcing ``save`` —
one transaction, together with the batch's idempotency records.

Aggregates stay cached between batches. Another writer (an API replica) may append to the same
session meanwhile, so before each batch the cached aggregates are brought up to date with one
query; if another writer still wins a race, the insert fails on the stream's version key, the
batch's aggregates are reloaded and the batch is applied again.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import CanMutateAggregate
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import EnvType

from commands.ingest.messages import Receipt, RecordHook
from commands.store.application import EventStoreApplication
from commands.store.replies import CanKeepReplies, IdempotencyRecord, StoredReply
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
        self, env: EnvType | None = None, *, cache_size: int = 10_000, max_attempts: int = 5
    ) -> None:
        super().__init__(env)
        self._cache: OrderedDict[UUID, AgentSession] = OrderedDict()
        self._cache_size = cache_size
        self._max_attempts = max_attempts

    @property
    def replies(self) -> CanKeepReplies:
        return cast(CanKeepReplies, self.recorder)

    def record(self, commands: Sequence[RecordHook]) -> list[Receipt]:
        """Appends every command's event durably; one receipt per command, in order."""
        for attempt in range(1, self._max_attempts + 1):
            try:
                return self._record_once(commands)
            except IntegrityError:
                log.info("ingest batch lost a race with another writer (attempt %d)", attempt)
                self._forget(c.stream_id for c in commands)
            except BaseException:
                self._forget(c.stream_id for c in commands)
                raise
        raise IngestConflictError(f"gave up after {self._max_attempts} attempts")

    def _record_once(self, commands: Sequence[RecordHook]) -> list[Receipt]:
        receipts: list[Receipt | None] = [None] * len(commands)
        stored = self.replies.lookup_replies(
            sorted({(c.tenant_id, c.idempotency_key) for c in commands if c.idempotency_key})
        )
        first_with_key: dict[tuple[str, str], int] = {}
        todo: list[int] = []
        for index, command in enumerate(commands):
            if command.idempotency_key:
                key = (command.tenant_id, command.idempotency_key)
                if key in stored:
                    receipts[index] = _replayed(stored[key], command)
                    continue
                if key in first_with_key:
                    continue  # answered like the first request with this key, below
                first_with_key[key] = index
            todo.append(index)

        sessions = self._load({commands[i].stream_id for i in todo})
        last_event: dict[int, tuple[UUID, int]] = {}
        for index in todo:
            command = commands[index]
            session = sessions.get(command.stream_id)
            if session is None:
                session = AgentSession.open(
                    command.tenant_id, command.facts.session_id, command.received_at
                )
                sessions[command.stream_id] = session
            session.record(
                command.facts,
                command.payload_json,
                received_at=command.received_at,
                source=command.source,
                context_json=command.context_json,
            )
            last_event[index] = (session.id, session.version)

        records = [
            IdempotencyRecord(
                tenant_id=commands[i].tenant_id,
                key=str(commands[i].idempotency_key),
                request_sha256=commands[i].request_sha256,
                status=commands[i].status,
                reply=commands[i].reply,
                stream_id=last_event[i][0],
                version=last_event[i][1],
                created_at=commands[i].received_at,
            )
            for i in todo
            if commands[i].idempotency_key
        ]
        touched = [s for s in sessions.values() if s.pending_events]
        recordings = self.save(*touched, idempotency=records) if touched else []
        positions = {
            (r.domain_event.originator_id, r.domain_event.originator_version): r.notification.id
            for r in recordings
        }
        for session in touched:
            self._remember(session)
        for index in todo:
            command = commands[index]
            receipts[index] = Receipt(command.status, command.reply, positions[last_event[index]])
        for index, command in enumerate(commands):
            if receipts[index] is None:
                assert command.idempotency_key is not None
                first = commands[first_with_key[(command.tenant_id, command.idempotency_key)]]
                receipts[index] = _same_key_again(
                    first,
                    receipts[first_with_key[(command.tenant_id, command.idempotency_key)]],
                    command,
                )
        return [r for r in receipts if r is not None]

    def _load(self, stream_ids: set[UUID]) -> dict[UUID, AgentSession]:
        """Cached sessions brought up to date (one query), plus cold loads from the store."""
        loaded = {i: self._cache[i] for i in stream_ids if i in self._cache}
        if loaded:
            heads = [(i, s.version) for i, s in loaded.items()]
            for stored in self.replies.select_events_after(heads):
                event = cast(CanMutateAggregate[UUID], self.mapper.to_domain_event(stored))
                event.mutate(loaded[event.originator_id])
        for stream_id in stream_ids - loaded.keys():
            try:
                loaded[stream_id] = self.repository.get(stream_id)
            except AggregateNotFoundError:
                continue
        return loaded

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


def _same_key_again(first: RecordHook, answered: Receipt | None, command: RecordHook) -> Receipt:
    assert answered is not None
    if first.request_sha256 != command.request_sha256:
        return Receipt(422, b"", None, replayed=True, problem=KEY_REUSED)
    return Receipt(answered.status, answered.reply, answered.position, replayed=True)
