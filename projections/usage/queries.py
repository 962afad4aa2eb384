"""Read-only usage queries (SQLAlchemy Core, async), per tenant: tokens by type and cost,
grouped by a dimension (model, session, user, team, project, agent), per bucket (minute,
hour, day), or both.

Each query reads the coarsest rollup that answers it (``ranges.reads``): month rows for
whole months (and, for totals, for most of a month, less the rows of the rest of it), day rows
for whole days, hour rows for whole hours, minutes for the ends; a query per bucket reads
nothing coarser than its bucket; a query about sessions (grouped or filtered by one) reads the
minute rows, the only ones that keep the session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.usage.counts import COUNTS, Rollup, Unit
from projections.usage.ranges import Segment, reads
from projections.usage.tables import source

Dimension = Literal["model", "session_id", "user_id", "team", "project", "agent"]
DIMENSIONS: tuple[Dimension, ...] = ("model", "session_id", "user_id", "team", "project", "agent")
MAX_ROWS = 10_000


@dataclass(frozen=True)
class UsageRow:
    key: str
    """The group's value ('' where the telemetry did not say), or the bucket's start (ISO)
    when grouped by bucket only."""
    calls: int
    errors: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_creation_tokens: int
    cost_usd: float
    duration_mean_ms: float | None
    bucket: datetime | None = None
    """The bucket's start when grouped per bucket."""

    @property
    def total_tokens(self) -> int:
        return (self.input_tokens + self.output_tokens + self.cache_read_tokens
                + self.cache_creation_tokens)  # fmt: skip


@dataclass(frozen=True)
class UsageAsk:
    """One usage question; the same for every store."""

    tenant_id: str
    since: datetime
    until: datetime
    by: Dimension | None = None
    per: Unit | None = None
    filters: Mapping[Dimension, str] | None = None
    first: int = 100

    def __post_init__(self) -> None:
        if self.by is None and self.per is None:
            raise ValueError("group usage by a dimension, per bucket, or both")

    @property
    def coarsest(self) -> Rollup:
        """The coarsest rollup that can answer: none but the minutes keep the session."""
        if self.by == "session_id" or "session_id" in (self.filters or {}):
            return "minute"
        return self.per or "month"

    def reads(self) -> tuple[list[Segment], list[Segment]]:
        """(segments to add, segments to subtract): ``ranges.reads``."""
        return reads(self.since.astimezone(UTC), self.until.astimezone(UTC), self.coarsest)


class UsageQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def usage(self, ask: UsageAsk) -> list[UsageRow]:
        """Totals per group and bucket in [since, until): buckets oldest first, then groups
        costliest first."""
        parts = []
        needed: set[str] = {*([ask.by] if ask.by else []), *(ask.filters or {})}
        added, subtracted = ask.reads()
        for sign, (unit, start, end) in [*((1, s) for s in added), *((-1, s) for s in subtracted)]:
            c = source(unit, needed).c
            bucket = func.date_trunc(ask.per, c.bucket, "UTC") if ask.per else literal(None)
            part = select(
                bucket.label("b"), (c[ask.by] if ask.by else literal("")).label("k"),
                *((c[n] if sign > 0 else -c[n]).label(n) for n in COUNTS),
            ).where(c.tenant_id == ask.tenant_id, c.bucket >= start, c.bucket < end)  # fmt: skip
            for name, value in (ask.filters or {}).items():
                part = part.where(c[name] == value)
            parts.append(part)
        if not parts:
            return []
        u = union_all(*parts).subquery()
        cost = func.sum(u.c.cost_usd)
        order = [u.c.b, cost.desc(), u.c.k] if ask.per else [cost.desc(), u.c.k]
        query = (
            select(u.c.b, u.c.k, *(func.sum(u.c[n]) for n in COUNTS))
            .group_by(u.c.b, u.c.k).order_by(*order).limit(min(ask.first, MAX_ROWS))
        )  # fmt: skip
        if subtracted:  # a group whose every call lies in a subtracted part sums to nothing
            query = query.having(func.sum(u.c.calls) != 0)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [row_of(r[0], r[1], r[2:], keyed=ask.by is not None) for r in rows]


def row_of(bucket: Any, key: Any, sums: Any, *, keyed: bool) -> UsageRow:
    """A result row from (bucket start or None, group value, the sums in ``COUNTS`` order)."""
    at = bucket.astimezone(UTC) if isinstance(bucket, datetime) else None
    calls = int(sums[0] or 0)
    duration = float(sums[7] or 0.0)
    return UsageRow(
        str(key or "") if keyed or at is None else at.isoformat(), calls, int(sums[1] or 0),
        int(sums[2] or 0), int(sums[3] or 0), int(sums[4] or 0), int(sums[5] or 0),
        float(sums[6] or 0.0), duration / calls if calls and duration else None, at,
    )  # fmt: skip
