"""Where refused bodies go: kept for inspection, never appended to a session."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from psycopg_pool import AsyncConnectionPool

MAX_KEPT_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Quarantined:
    tenant_id: str
    received_at: datetime
    endpoint: str
    reason: str
    detail: str
    content_type: str | None
    size_bytes: int
    body: bytes
    """What is kept: the body with personal data and secrets redacted."""
    client: str | None
    body_sha256: str | None = None
    """SHA-256 of the body as received (defaults to that of ``body``)."""

    @property
    def sha256(self) -> str:
        return self.body_sha256 or hashlib.sha256(self.body).hexdigest()


class CanQuarantine(Protocol):
    async def keep(self, item: Quarantined) -> None: ...


class InMemoryQuarantine:
    def __init__(self) -> None:
        self.items: list[Quarantined] = []

    async def keep(self, item: Quarantined) -> None:
        self.items.append(item)


class PostgresQuarantine:
    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self._pool = pool

    async def keep(self, item: Quarantined) -> None:
        kept = item.body[:MAX_KEPT_BYTES]
        async with self._pool.connection() as conn:
            await conn.execute(
                "INSERT INTO ingest_quarantine (tenant_id, received_at, endpoint, reason, detail,"
                " content_type, size_bytes, body_sha256, body, truncated, client)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    item.tenant_id, item.received_at, item.endpoint, item.reason,
                    item.detail[:2000], item.content_type, item.size_bytes, item.sha256, kept,
                    len(item.body) > MAX_KEPT_BYTES, item.client,
                ),
            )  # fmt: skip
