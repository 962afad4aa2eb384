"""The usage read model's table (SQLAlchemy Core), for the view's writes and the queries.

The DDL lives in ``migrations/postgres``; these objects never create anything.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, Integer, MetaData, Table, Text

metadata = MetaData()
usage_minute = Table(
    "usage_minute", metadata,
    Column("tenant_id", Text, primary_key=True),
    Column("bucket", DateTime(timezone=True), primary_key=True),
    *(Column(k, Text, primary_key=True) for k in ("session_id", "user_id", "team", "model")),
    Column("calls", Integer), Column("errors", Integer),
    *(Column(k, BigInteger) for k in
      ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens")),
    Column("cost_usd", Float), Column("duration_sum_ms", Float),
)  # fmt: skip
