"""The in-memory event log (eventsourcing's POPO recorder plus idempotency records)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, IntegrityError, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder

from commands.store.replies import IdempotencyRecord, Prefetched, StoredReply


class InMemoryEventLog(POPOApplicationRecorder):
    def __init__(self) -> None:
        super().__init__()
        self._replies: dict[tuple[str, str], StoredReply] = {}
        self.snapshot_recorder: AggregateRecorder | None = None
        """Where snapshots live (eventsourcing keeps them in a separate recorder)."""

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        records: Sequence[IdempotencyRecord] = kwargs.get("idempotency") or ()
        with self._database_lock:
            for record in records:
                if (record.tenant_id, record.key) in self._replies:
                    raise IntegrityError(f"idempotency key {record.key!r} already recorded")
            ids = super().insert_events(stored_events, **kwargs)
            if ids is None:
                raise RuntimeError("the in-memory recorder returned no positions")
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

    def notify(self, channel: str, payload: str) -> None:
        """In memory nobody listens; readers poll."""

    def prefetch(
        self,
        keys: list[tuple[str, str]],
        heads: list[tuple[UUID, int]],
        cold: list[UUID],
    ) -> Prefetched:
        with self._database_lock:
            replies = {key: self._replies[key] for key in keys if key in self._replies}
        newer: list[StoredEvent] = []
        for stream_id, version in heads:
            newer.extend(self.select_events(stream_id, gt=version))
        loaded: list[StoredEvent] = []
        for stream_id in cold:
            snapshots = (
                self.snapshot_recorder.select_events(stream_id, desc=True, limit=1)
                if self.snapshot_recorder is not None
                else []
            )
            loaded.extend(snapshots)
            after = snapshots[0].originator_version if snapshots else None
            loaded.extend(self.select_events(stream_id, gt=after))
        return Prefetched(replies, newer, loaded)
