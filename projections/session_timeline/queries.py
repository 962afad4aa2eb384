"""Read-only queries over the session timeline (SQLAlchemy Core, async). Every query is
scoped to one tenant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.queries import positions
from projections.records import record
from projections.session_timeline import tables as t
from projections.session_timeline.view import NAME


@dataclass(frozen=True)
class SessionRecord:
    tenant_id: str
    session_id: str
    stream_id: UUID
    status: str
    cwd: str | None
    project: str | None
    model: str | None
    transcript_path: str | None
    permission_mode: str | None
    source_app: str | None
    started_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    first_seen_at: datetime
    last_event_at: datetime
    first_position: int
    last_position: int
    event_count: int
    prompt_count: int
    tool_call_count: int
    failed_tool_calls: int
    subagent_count: int
    compaction_count: int
    denied_count: int
    asked_count: int


@dataclass(frozen=True)
class EventRecord:
    position: int
    version: int
    event_type: str
    hook: str
    received_at: datetime
    agent_id: str | None
    attribution: str | None
    tool_name: str | None
    tool_use_id: str | None
    payload: Any


@dataclass(frozen=True)
class ToolCallRecord:
    session_id: str
    tool_use_id: str
    tool_name: str | None
    mcp_server: str | None
    mcp_tool: str | None
    agent_id: str | None
    attribution: str | None
    status: str
    requested_at: datetime | None
    completed_at: datetime | None
    duration_ms: float | None
    error: str | None
    spawned_agent_id: str | None
    decision: str | None
    decision_rule: str | None
    policy_version: int | None
    decision_source: str | None
    """guardrail | classifier (None: nothing decided, or a guardrail ruling stored before
    the source was recorded)."""
    batch_completed_at: datetime | None
    """When a PostToolBatch said the call had run (``completed_at`` is PostToolUse's)."""
    trace_id: str | None
    """The call's trace span (OTLP), joined by tool_use_id: its ids, duration and status."""
    span_id: str | None
    span_duration_ms: float | None
    span_status: str | None


@dataclass(frozen=True)
class SubagentRecord:
    session_id: str
    agent_id: str
    agent_type: str | None
    attribution: str
    started_at: datetime | None
    stopped_at: datetime | None
    tool_call_count: int


@dataclass(frozen=True)
class SessionFilter:
    status: str | None = None
    project: str | None = None
    model: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class SessionTimelineQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def position(self) -> int:
        async with self._engine.connect() as conn:
            value = await conn.scalar(select(positions.c.position).where(positions.c.name == NAME))
        return int(value or 0)

    async def session(self, tenant_id: str, session_id: str) -> SessionRecord | None:
        query = select(t.sessions).where(
            t.sessions.c.tenant_id == tenant_id, t.sessions.c.session_id == session_id
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return record(SessionRecord, row) if row else None

    async def sessions(
        self, tenant_id: str, where: SessionFilter, first: int, before_position: int | None
    ) -> tuple[list[SessionRecord], bool]:
        """Newest first (by first position); returns one page and whether more follow."""
        c = t.sessions.c
        query: Select[Any] = select(t.sessions).where(c.tenant_id == tenant_id)
        if where.status:
            query = query.where(c.status == where.status)
        if where.project:
            query = query.where(c.project == where.project)
        if where.model:
            query = query.where(c.model == where.model)
        if where.since:
            query = query.where(c.last_event_at >= where.since)
        if where.until:
            query = query.where(c.first_seen_at < where.until)
        if before_position is not None:
            query = query.where(c.first_position < before_position)
        query = query.order_by(c.first_position.desc()).limit(first + 1)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        records = [record(SessionRecord, row) for row in rows[:first]]
        return records, len(rows) > first

    async def events(
        self, tenant_id: str, session_id: str, first: int, after_position: int | None
    ) -> tuple[list[EventRecord], bool]:
        c = t.events.c
        query = select(t.events).where(c.tenant_id == tenant_id, c.session_id == session_id)
        if after_position is not None:
            query = query.where(c.position > after_position)
        query = query.order_by(c.position).limit(first + 1)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [record(EventRecord, row) for row in rows[:first]], len(rows) > first

    async def tool_calls_of(
        self, tenant_id: str, session_ids: Sequence[str]
    ) -> dict[str, list[ToolCallRecord]]:
        c = t.tool_calls.c
        query = (
            select(t.tool_calls)
            .where(c.tenant_id == tenant_id, c.session_id.in_(list(session_ids)))
            .order_by(
                c.session_id,
                c.requested_position.nulls_last(),
                c.completed_position.nulls_last(),
                c.batch_completed_position,
            )
        )
        found: dict[str, list[ToolCallRecord]] = {s: [] for s in session_ids}
        async with self._engine.connect() as conn:
            for row in (await conn.execute(query)).all():
                found[row.session_id].append(record(ToolCallRecord, row))
        return found

    async def subagents_of(
        self, tenant_id: str, session_ids: Sequence[str]
    ) -> dict[str, list[SubagentRecord]]:
        c = t.subagents.c
        query = (
            select(t.subagents)
            .where(and_(c.tenant_id == tenant_id, c.session_id.in_(list(session_ids))))
            .order_by(c.session_id, c.first_position)
        )
        found: dict[str, list[SubagentRecord]] = {s: [] for s in session_ids}
        async with self._engine.connect() as conn:
            for row in (await conn.execute(query)).all():
                found[row.session_id].append(record(SubagentRecord, row))
        return found

    async def sessions_by_id(
        self, tenant_id: str, session_ids: Sequence[str]
    ) -> dict[str, SessionRecord]:
        c = t.sessions.c
        keys = [(tenant_id, s) for s in session_ids]
        query = select(t.sessions).where(tuple_(c.tenant_id, c.session_id).in_(keys))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {row.session_id: record(SessionRecord, row) for row in rows}
