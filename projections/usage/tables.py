"""The usage read model's tables (SQLAlchemy Core), for the view's writes and the queries.

``usage_minute`` keeps the session; the hour and day rollups leave it out (a month by team
reads the day rows). With TimescaleDB the rollups are continuous aggregates of the same shape.
The DDL lives in ``migrations/postgres``; these objects never create anything.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, Integer, MetaData, Table, Text

metadata = MetaData()

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


usage_minute = _table("usage_minute", "session_id", *_ROLLUP_KEYS)
usage_hour = _table("usage_hour", *_ROLLUP_KEYS)
usage_day = _table("usage_day", *_ROLLUP_KEYS)
usage_sessions = Table(
    "usage_sessions", metadata,
    Column("tenant_id", Text, primary_key=True), Column("session_id", Text, primary_key=True),
    Column("project", Text),
)  # fmt: skip
ROLLUPS = {"minute": usage_minute, "hour": usage_hour, "day": usage_day}
