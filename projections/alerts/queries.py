"""Read-only queries over the alerts read model (SQLAlchemy Core, async), per tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Select,
    select,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.alerts.tables import alerts, model_versions
from projections.records import record


@dataclass(frozen=True)
class AlertRecord:
    alert_id: UUID
    position: int
    session_id: str
    agent: str | None
    severity: str
    status: str
    reason: str
    score: float
    model_kind: str
    model_version_id: UUID
    raised_by: str
    raised_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    acknowledged_note: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolved_note: str | None
    escalation: str | None
    escalated_at: datetime | None


@dataclass(frozen=True)
class ModelVersionRecord:
    version_id: UUID
    position: int
    kind: str
    label: str
    status: str
    metrics: dict[str, Any]
    artifact_sha256: str
    feature_schema_version: str
    trained_by: str
    trained_at: datetime
    promoted_by: str | None
    promoted_at: datetime | None
    retired_by: str | None
    retired_at: datetime | None
    retired_reason: str | None


@dataclass(frozen=True)
class AlertFilter:
    status: str | None = None
    """raised, acknowledged, resolved, or "open" (raised or acknowledged)."""
    severity: str | None = None
    session_id: str | None = None


class AlertQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def alerts(
        self, tenant_id: str, where: AlertFilter, first: int, before: int | None
    ) -> tuple[list[AlertRecord], bool]:
        """Newest first; ``before`` pages by position; the flag says whether more follow."""
        c = alerts.c
        query: Select[Any] = select(alerts).where(c.tenant_id == tenant_id)
        if where.status == "open":
            query = query.where(c.status != "resolved")
        elif where.status:
            query = query.where(c.status == where.status)
        if where.severity:
            query = query.where(c.severity == where.severity)
        if where.session_id:
            query = query.where(c.session_id == where.session_id)
        if before is not None:
            query = query.where(c.position < before)
        query = query.order_by(c.position.desc()).limit(first + 1)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [record(AlertRecord, row) for row in rows[:first]], len(rows) > first

    async def alert(self, tenant_id: str, alert_id: UUID) -> AlertRecord | None:
        query = select(alerts).where(alerts.c.tenant_id == tenant_id,
                                     alerts.c.alert_id == alert_id)  # fmt: skip
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return record(AlertRecord, row) if row is not None else None

    async def model_versions(
        self, tenant_id: str, kind: str | None = None
    ) -> list[ModelVersionRecord]:
        """Every version of the tenant's (of one kind), newest first."""
        c = model_versions.c
        query = select(model_versions).where(c.tenant_id == tenant_id)
        if kind:
            query = query.where(c.kind == kind)
        query = query.order_by(c.position.desc())
        async with self._engine.connect() as conn:
            return [record(ModelVersionRecord, r) for r in (await conn.execute(query)).all()]

    async def promoted(self, tenant_id: str, kind: str) -> ModelVersionRecord | None:
        """The promoted version of a kind, as far as this read model has read."""
        found = [v for v in await self.model_versions(tenant_id, kind) if v.status == "promoted"]
        return found[0] if found else None
