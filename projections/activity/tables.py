"""The activity read model's table (SQLAlchemy Core), for the view's writes and the queries.

The DDL lives in ``migrations/postgres``; these objects never create anything.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, MetaData, Table, Text

COUNTS = (
    "sessions", "lines_added", "lines_removed", "commits", "pull_requests", "edits_accepted",
    "edits_rejected", "active_user_seconds", "active_cli_seconds", "cost_usd", "input_tokens",
    "output_tokens", "cache_read_tokens", "cache_creation_tokens",
)  # fmt: skip
FLOATS = frozenset({"active_user_seconds", "active_cli_seconds", "cost_usd"})
"""The counters of a row, each only adding; the ``FLOATS`` are double precision, the others
whole numbers."""

metadata = MetaData()
activity_minute = Table(
    "activity_minute", metadata,
    Column("tenant_id", Text, primary_key=True),
    Column("bucket", DateTime(timezone=True), primary_key=True),
    *(Column(k, Text, primary_key=True) for k in ("session_id", "user_id", "team", "model")),
    *(Column(k, Float if k in FLOATS else BigInteger) for k in COUNTS),
)  # fmt: skip
