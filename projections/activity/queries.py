"""Read-only activity queries (SQLAlchemy Core, async), per tenant: what the agents' metrics
report, grouped by model, session, user, team, minute or day (a day rollup of the minutes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.activity.tables import COUNTS, FLOATS, activity_minute

Grouping = Literal["model", "session_id", "user_id", "team", "minute", "day"]
MAX_ROWS = 10_000


@dataclass(frozen=True)
class ActivityRow:
    key: str
    """The group's value ('' where the metrics did not say), or the bucket's start (ISO)."""
    sessions: int
    lines_added: int
    lines_removed: int
    commits: int
    pull_requests: int
    edits_accepted: int
    edits_rejected: int
    active_user_seconds: float
    active_cli_seconds: float
    cost_usd: float
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_creation_tokens: int

    @property
    def edit_accept_rate(self) -> float | None:
        """Accepted over decided edits; None when no edit was decided."""
        decided = self.edits_accepted + self.edits_rejected
        return self.edits_accepted / decided if decided else None

    @property
    def total_tokens(self) -> int:
        return (self.input_tokens + self.output_tokens + self.cache_read_tokens
                + self.cache_creation_tokens)  # fmt: skip


class ActivityQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def activity(
        self, tenant_id: str, since: datetime, until: datetime, by: Grouping,
        *, session_id: str | None = None, first: int = 100,
    ) -> list[ActivityRow]:  # fmt: skip
        """Totals per group in [since, until): buckets oldest first, other groups with the
        most lines changed first."""
        c = activity_minute.c
        timed = by in ("minute", "day")
        group: Any = func.date_trunc(by, c.bucket) if timed else c[by]
        group = group.label("k")
        query = select(group, *(func.sum(c[name]) for name in COUNTS)).where(
            c.tenant_id == tenant_id, c.bucket >= since, c.bucket < until
        )
        if session_id is not None:
            query = query.where(c.session_id == session_id)
        busiest = func.sum(c.lines_added + c.lines_removed).desc()
        order = [group] if timed else [busiest, func.sum(c.cost_usd).desc(), group]
        query = query.group_by(group).order_by(*order).limit(min(first, MAX_ROWS))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_row(r) for r in rows]


def _row(r: Any) -> ActivityRow:
    key = r[0].isoformat() if isinstance(r[0], datetime) else str(r[0])
    values: dict[str, Any] = {name: float(v or 0.0) if name in FLOATS else int(v or 0)
              for name, v in zip(COUNTS, r[1:], strict=True)}  # fmt: skip
    return ActivityRow(key, **values)
