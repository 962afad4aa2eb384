"""The in-memory event log (eventsourcing's POPO recorder plus idempotency records)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder

from commands.store.replies import IdempotencyRecord, StoredReply


class InMemoryEventLog(POPOApplicationRecorder):
    def __init__(self) -> None:
        super().__init__()
        self._replies: dict[tuple[str, str], StoredReply] = {}

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        records: Sequence[IdempotencyRecord] = kwargs.get("idempotency") or ()
        with self._database_lock:
            for record in records:
                if (record.tenant_id, record.key) in self._replies:
                    raise IntegrityError(f"idempotency key {record.key!r} already recorded")
            ids = super().insert_events(stored_events, **kwargs)
            assert ids is not None
            positions = {
                (e.originator_id, e.originator_version): p
                for e, p in zip(stored_events, ids, strict=True)
            }
            for record in records:
                self._replies[(record.tenant_id, record.key)] = StoredReply(
                    request_sha256=record.request_sha256,
                    status=record.status,
                    reply=record.reply,
                    position=positions[(record.stream_id, record.version)],
                )
            return ids

    def lookup_replies(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], StoredReply]:
        with self._database_lock:
            return {key: self._replies[key] for key in keys if key in self._replies}

    def select_events_after(self, heads: list[tuple[UUID, int]]) -> list[StoredEvent]:
        events: list[StoredEvent] = []
        for stream_id, version in heads:
            events.extend(self.select_events(stream_id, gt=version))
        return events
