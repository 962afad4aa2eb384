"""The agent metrics read model's tables (SQLAlchemy Core), for the view's writes and the queries.

The DDL lives in ``migrations/postgres``; these objects never create anything. With
TimescaleDB the hourly rollup is a continuous aggregate with the same columns.
"""

from __future__ import annotations

from sqlalchemy import ARRAY, Column, DateTime, Float, Integer, MetaData, Table, Text

metadata = MetaData()

COUNTS = ("calls", "completed", "failures", "denials", "asks", "subagents", "duration_sum_ms")
"""What a minute or hour row adds up (``MinuteCounts`` names the same)."""


def _table(name: str, *keys: str) -> Table:
    return Table(
        name, metadata,
        Column("tenant_id", Text), Column("bucket", DateTime(timezone=True)),
        *(Column(k, Text) for k in keys),
        *(Column(c, Float if c == "duration_sum_ms" else Integer) for c in COUNTS),
        Column("durations", ARRAY(Integer)),
    )  # fmt: skip


minute_table = _table("agent_metrics_minute", "project", "session_id", "agent", "model", "tool")
hour_table = _table("agent_metrics_hour", "project", "agent", "model", "tool")
sessions = Table(
    "agent_metrics_sessions", metadata,
    Column("tenant_id", Text, primary_key=True), Column("session_id", Text, primary_key=True),
    Column("project", Text), Column("model", Text),
)  # fmt: skip
calls = Table(
    "agent_metrics_calls", metadata,
    Column("tenant_id", Text, primary_key=True), Column("session_id", Text, primary_key=True),
    Column("tool_use_id", Text, primary_key=True), Column("ended", Text),
    Column("seen_at", DateTime(timezone=True)),
)  # fmt: skip
