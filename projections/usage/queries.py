"""Read-only usage queries (SQLAlchemy Core, async), per tenant: tokens by type and cost,
grouped by model, session, user, team, minute or day (a day rollup of the minute rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.usage.tables import usage_minute

Grouping = Literal["model", "session_id", "user_id", "team", "minute", "day"]
MAX_ROWS = 10_000


@dataclass(frozen=True)
class UsageRow:
    key: str
    """The group's value ('' where the telemetry did not say), or the bucket's start (ISO)."""
    calls: int
    errors: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_creation_tokens: int
    cost_usd: float
    duration_mean_ms: float | None

    @property
    def total_tokens(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_read_tokens
            + (self.cache_creation_tokens)
        )


class UsageQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def usage(
        self, tenant_id: str, since: datetime, until: datetime, by: Grouping,
        *, session_id: str | None = None, model: str | None = None, first: int = 100,
    ) -> list[UsageRow]:  # fmt: skip
        """Totals per group in [since, until): buckets oldest first, other groups costliest
        first."""
        c = usage_minute.c
        timed = by in ("minute", "day")
        group: Any = func.date_trunc(by, c.bucket) if timed else c[by]
        group = group.label("k")
        query = select(
            group, func.sum(c.calls), func.sum(c.errors), func.sum(c.input_tokens),
            func.sum(c.output_tokens), func.sum(c.cache_read_tokens),
            func.sum(c.cache_creation_tokens), func.sum(c.cost_usd), func.sum(c.duration_sum_ms),
        ).where(c.tenant_id == tenant_id, c.bucket >= since, c.bucket < until)  # fmt: skip
        if session_id is not None:
            query = query.where(c.session_id == session_id)
        if model is not None:
            query = query.where(c.model == model)
        order = [group] if timed else [func.sum(c.cost_usd).desc(), group]
        query = query.group_by(group).order_by(*order).limit(min(first, MAX_ROWS))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_row(r) for r in rows]


def _row(r: Any) -> UsageRow:
    key = r[0].isoformat() if isinstance(r[0], datetime) else str(r[0])
    calls = int(r[1] or 0)
    return UsageRow(
        key, calls, int(r[2] or 0), int(r[3] or 0), int(r[4] or 0), int(r[5] or 0),
        int(r[6] or 0), float(r[7] or 0.0), float(r[8]) / calls if calls and r[8] else None,
    )  # fmt: skip
