"""Read-only queries over the audit log (SQLAlchemy Core, async), per tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.audit_log.tables import audit_log
from projections.records import record


@dataclass(frozen=True)
class AuditEntry:
    position: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    """An action (``rule.added``) or a prefix ending in a dot (``rule.``)."""
    since: datetime | None = None


class AuditLogQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def entries(
        self, tenant_id: str, where: AuditFilter, first: int, before: int | None
    ) -> tuple[list[AuditEntry], bool]:
        c = audit_log.c
        query: Select[Any] = select(audit_log).where(c.tenant_id == tenant_id)
        if where.actor:
            query = query.where(c.actor == where.actor)
        if where.action and where.action.endswith("."):
            query = query.where(c.action.startswith(where.action, autoescape=True))
        elif where.action:
            query = query.where(c.action == where.action)
        if where.since:
            query = query.where(c.at >= where.since)
        if before is not None:
            query = query.where(c.position < before)
        query = query.order_by(c.position.desc()).limit(first + 1)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [record(AuditEntry, r) for r in rows[:first]], len(rows) > first
