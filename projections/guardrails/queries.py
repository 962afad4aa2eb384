"""Read-only queries over the guardrails read model (SQLAlchemy Core, async), per tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    select,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.guardrails.tables import changes, decisions, interventions, policies, rules
from projections.records import record


@dataclass(frozen=True)
class PolicyRecord:
    version: int
    updated_at: datetime | None
    updated_by: str | None
    rules: list[dict[str, Any]]


@dataclass(frozen=True)
class ChangeRecord:
    version: int
    position: int
    change: str
    rule_id: str | None
    definition: Any
    changed_by: str
    changed_at: datetime


@dataclass(frozen=True)
class DecisionRecord:
    position: int
    session_id: str
    hook: str
    tool_name: str | None
    tool_use_id: str | None
    agent_id: str | None
    decision: str | None
    rule_id: str | None
    policy_version: int
    message: str | None
    latency_ms: float
    shadow: list[dict[str, str]]
    intervention: str | None
    decided_at: datetime


@dataclass(frozen=True)
class InterventionRecord:
    kind: str
    target_id: str
    active: bool
    mode: str
    reason: str
    imposed_by: str
    imposed_at: datetime
    lifted_by: str | None
    lifted_at: datetime | None


@dataclass(frozen=True)
class DecisionFilter:
    session_id: str | None = None
    decision: str | None = None
    """deny, ask, allow, or "none" for calls nothing decided."""
    rule_id: str | None = None
    since: datetime | None = None
    shadow_only: bool = False
    """Only decisions where a shadow rule matched."""


class GuardrailQueries:
    def __init__(self, engine: AsyncEngine, defaults: list[dict[str, Any]]) -> None:
        """``defaults``: the rules a tenant runs until it changes its policy (version 0)."""
        self._engine = engine
        self._defaults = defaults

    async def policy(self, tenant_id: str) -> PolicyRecord:
        """The tenant's current policy; the default rules (version 0) until it changes one."""
        async with self._engine.connect() as conn:
            head = (
                await conn.execute(select(policies).where(policies.c.tenant_id == tenant_id))
            ).first()
            if head is None:
                return PolicyRecord(
                    0, None, None, [dict(r, mode="enforce") for r in self._defaults]
                )
            found = await conn.execute(
                select(rules.c.definition)
                .where(rules.c.tenant_id == tenant_id)
                .order_by(rules.c.ordinal)
            )
            return PolicyRecord(head.version, head.updated_at, head.updated_by,
                                [row.definition for row in found])  # fmt: skip

    async def history(self, tenant_id: str, first: int) -> list[ChangeRecord]:
        query = (
            select(changes).where(changes.c.tenant_id == tenant_id)
            .order_by(changes.c.version.desc()).limit(first)
        )  # fmt: skip
        async with self._engine.connect() as conn:
            return [record(ChangeRecord, row) for row in (await conn.execute(query)).all()]

    async def decisions(
        self, tenant_id: str, where: DecisionFilter, first: int, before: int | None
    ) -> tuple[list[DecisionRecord], bool]:
        c = decisions.c
        query: Select[Any] = select(decisions).where(c.tenant_id == tenant_id)
        if where.session_id:
            query = query.where(c.session_id == where.session_id)
        if where.decision == "none":
            query = query.where(c.decision.is_(None))
        elif where.decision:
            query = query.where(c.decision == where.decision)
        if where.rule_id:
            query = query.where(c.rule_id == where.rule_id)
        if where.since:
            query = query.where(c.decided_at >= where.since)
        if where.shadow_only:
            query = query.where(c.shadow != [])
        if before is not None:
            query = query.where(c.position < before)
        query = query.order_by(c.position.desc()).limit(first + 1)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [record(DecisionRecord, row) for row in rows[:first]], len(rows) > first

    async def interventions(self, tenant_id: str, active_only: bool) -> list[InterventionRecord]:
        c = interventions.c
        query = select(interventions).where(c.tenant_id == tenant_id)
        if active_only:
            query = query.where(c.active.is_(True))
        query = query.order_by(c.imposed_at.desc())
        async with self._engine.connect() as conn:
            return [record(InterventionRecord, row) for row in (await conn.execute(query)).all()]
