"""Idempotency records: the first answer to a request, stored with its events.

A record is written in the same transaction as the events of its request, so a key is either
absent (nothing was appended) or present with the exact reply that was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent


@dataclass(frozen=True)
class IdempotencyRecord:
    """To write: one request's key, what was asked and what was answered."""

    tenant_id: str
    key: str
    request_sha256: str
    status: int
    reply: bytes
    stream_id: UUID
    version: int
    """The request's last event; its global position is stored with the record."""
    created_at: datetime


@dataclass(frozen=True)
class StoredReply:
    """To read: what a key was first answered."""

    request_sha256: str
    status: int
    reply: bytes
    position: int


@dataclass(frozen=True)
class Prefetched:
    """Everything a writer reads before applying a batch, read in one round trip."""

    replies: dict[tuple[str, str], StoredReply]
    """Stored replies for the (tenant, key) pairs that have one."""
    newer: list[StoredEvent]
    """Events of cached streams newer than the cached versions, in stream order."""
    cold: list[StoredEvent]
    """For streams not cached: the latest snapshot (if any) then the events after it."""


class CanPrefetch(Protocol):
    """What the Ingestor needs of the event log beyond eventsourcing's recorder."""

    def prefetch(
        self,
        keys: list[tuple[str, str]],
        heads: list[tuple[UUID, int]],
        cold: list[UUID],
    ) -> Prefetched: ...
