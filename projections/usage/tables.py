"""The usage read model's tables (SQLAlchemy Core), for the view's writes and the queries.

``usage_minute`` keeps the session; the hour, day and month rollups leave it out, and come in
three grains (``GRAINS``); a month's bucket is its first day. With TimescaleDB the rollups are
continuous aggregates of the same shape. The DDL lives in ``migrations/postgres``; these
objects never create anything.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, Integer, MetaData, Table, Text

from projections.usage.counts import Rollup

metadata = MetaData()
_UNITS: tuple[Rollup, ...] = ("hour", "day", "month")

_ROLLUP_KEYS = ("user_id", "team", "project", "agent", "model")


def _counts() -> list[Column[object]]:
    return [
        Column("calls", Integer), Column("errors", Integer),
        *(Column(k, BigInteger) for k in
          ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens")),
        Column("cost_usd", Float), Column("duration_sum_ms", Float),
    ]  # fmt: skip


def _table(name: str, *keys: str) -> Table:
    return Table(
        name, metadata,
        Column("tenant_id", Text, primary_key=True),
        Column("bucket", DateTime(timezone=True), primary_key=True),
        *(Column(k, Text, primary_key=True) for k in keys),
        *_counts(),
    )  # fmt: skip


GRAINS: dict[str, tuple[str, ...]] = {
    "team": ("team", "model"),
    "user": ("team", "user_id", "model"),
    "all": _ROLLUP_KEYS,
}
"""What each rollup keeps, narrowest first: a question reads the narrowest that holds every
dimension it groups or filters by (team per day: a few thousand rows a month, not a million)."""

usage_minute = Table(
    "usage_minute", metadata,
    Column("tenant_id", Text, primary_key=True),
    Column("bucket", DateTime(timezone=True), primary_key=True),
    *(Column(k, Text, primary_key=True) for k in ("session_id", "user_id", "team", "model")),
    *_counts(),
    # added by migration 0015, so after the counts in the migrated table
    *(Column(k, Text, primary_key=True) for k in ("project", "agent")),
)  # fmt: skip
usage_sessions = Table(
    "usage_sessions", metadata,
    Column("tenant_id", Text, primary_key=True), Column("session_id", Text, primary_key=True),
    Column("project", Text), Column("position", BigInteger),
)  # fmt: skip


def rollup_name(unit: str, grain: str) -> str:
    return f"usage_{unit}" if grain == "all" else f"usage_{unit}_by_{grain}"


ROLLUPS: dict[tuple[Rollup, str], Table] = {
    (unit, grain): _table(rollup_name(unit, grain), *keys)
    for unit in _UNITS for grain, keys in GRAINS.items()
}  # fmt: skip
"""(unit, grain) -> table; the minute rows are ``usage_minute``."""


def source(unit: Rollup, needed: set[str]) -> Table:
    """The narrowest table of ``unit`` rows holding every dimension in ``needed``."""
    if unit == "minute" or "session_id" in needed:
        return usage_minute
    grain = next(g for g, keys in GRAINS.items() if needed <= set(keys))
    return ROLLUPS[(unit, grain)]
