"""The ClickHouse usage tables' names and grains (DDL in ``migrations/clickhouse``), shared by
the view and the queries (no domain import: the read side uses it)."""

from __future__ import annotations

from projections.usage.counts import Unit

GRAINS = {
    "all": ("team", "user_id", "project", "agent", "model", "session_id"),
    "user": ("team", "user_id", "model"),
    "team": ("team", "model"),
}
"""What each rollup keeps (every table is ``usage_<unit>[_by_<grain>]``); unlike PostgreSQL's,
the widest keeps the session."""

ROLLUPS: tuple[tuple[Unit, str, str], ...] = (
    ("hour", "all", "usage_calls"),
    ("hour", "user", "usage_hour"),
    ("hour", "team", "usage_hour_by_user"),
    ("day", "all", "usage_hour"),
    ("day", "user", "usage_hour_by_user"),
    ("day", "team", "usage_hour_by_team"),
)
"""(unit, grain, the table it is summed from), in the order they are recomputed."""


def rollup_table(unit: str, grain: str) -> str:
    return f"usage_{unit}" if grain == "all" else f"usage_{unit}_by_{grain}"
