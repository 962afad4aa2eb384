"""Read-only queries over agent metrics (SQLAlchemy Core, async), per tenant.

Time series come from the minute table for minute steps or one session, else from the hourly
rollup; both layouts (TimescaleDB, plain partitions) expose the same columns, so these
queries run unchanged on either. Percentiles are estimated from summed histograms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.agent_metrics.histogram import percentile
from projections.agent_metrics.tables import hour_table, minute_table

Step = Literal["minute", "hour"]
Dimension = Literal["project", "session_id", "agent", "model", "tool"]
MAX_POINTS = 10_000


@dataclass(frozen=True)
class MetricsFilter:
    project: str | None = None
    session_id: str | None = None
    agent: str | None = None
    model: str | None = None
    tool: str | None = None


@dataclass(frozen=True)
class MetricPoint:
    key: str
    """The bucket (ISO time) of a series point, or the group of a breakdown."""
    bucket: datetime | None
    calls: int
    completed: int
    failures: int
    denials: int
    asks: int
    subagents: int
    duration_p50_ms: float | None
    duration_p95_ms: float | None
    duration_p99_ms: float | None
    duration_mean_ms: float | None


def _aggregates(table: Table) -> list[Any]:
    c = table.c
    return [func.sum(c.calls), func.sum(c.completed), func.sum(c.failures), func.sum(c.denials),
            func.sum(c.asks), func.sum(c.subagents), func.sum(c.duration_sum_ms),
            func.hist_sum(c.durations)]  # fmt: skip


def _point(key: str, bucket: datetime | None, row: Any) -> MetricPoint:
    calls, completed, failures, denials, asks, subagents, total_ms, hist = row
    hist = list(hist or [])
    timed = sum(hist)
    return MetricPoint(
        key, bucket, int(calls or 0), int(completed or 0), int(failures or 0),
        int(denials or 0), int(asks or 0), int(subagents or 0),
        percentile(hist, 50), percentile(hist, 95), percentile(hist, 99),
        (float(total_ms) / timed) if timed else None,
    )  # fmt: skip


class AgentMetricsQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def _source(self, step: Step, where: MetricsFilter) -> Table:
        return minute_table if step == "minute" or where.session_id else hour_table

    def _filtered(
        self, query: Select[Any], table: Table, tenant_id: str, since: datetime,
        until: datetime, where: MetricsFilter,
    ) -> Select[Any]:  # fmt: skip
        c = table.c
        query = query.where(c.tenant_id == tenant_id, c.bucket >= since, c.bucket < until)
        for name in ("project", "session_id", "agent", "model", "tool"):
            value = getattr(where, name)
            if value is not None:
                query = query.where(c[name] == value)
        return query

    async def series(
        self, tenant_id: str, since: datetime, until: datetime, step: Step = "minute",
        where: MetricsFilter | None = None,
    ) -> list[MetricPoint]:  # fmt: skip
        """One point per minute or hour that has activity, oldest first."""
        where = where or MetricsFilter()
        table = self._source(step, where)
        bucket = func.date_trunc(step, table.c.bucket).label("b")
        query = select(bucket, *_aggregates(table))
        query = self._filtered(query, table, tenant_id, since, until, where)
        query = query.group_by(bucket).order_by(bucket).limit(MAX_POINTS)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_point(r[0].isoformat(), r[0], r[1:]) for r in rows]

    async def breakdown(
        self, tenant_id: str, since: datetime, until: datetime, by: Dimension,
        where: MetricsFilter | None = None, first: int = 50,
    ) -> list[MetricPoint]:  # fmt: skip
        """Totals per project, session, agent, model or tool, busiest first."""
        where = where or MetricsFilter()
        table = minute_table if by == "session_id" else self._source("hour", where)
        group = table.c[by]
        query = select(group, *_aggregates(table))
        query = self._filtered(query, table, tenant_id, since, until, where)
        query = query.group_by(group).order_by(func.sum(table.c.calls).desc(), group).limit(first)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_point(str(r[0]), None, r[1:]) for r in rows]
