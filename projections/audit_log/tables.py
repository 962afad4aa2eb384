"""The audit log's table (SQLAlchemy Core), for the view's writes and the queries.

The DDL lives in ``migrations/postgres``; this object never creates anything.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()
audit_log = Table(
    "audit_log", metadata,
    Column("tenant_id", Text, primary_key=True), Column("position", BigInteger, primary_key=True),
    Column("at", DateTime(timezone=True)), Column("actor", Text), Column("action", Text),
    Column("target", Text), Column("detail", JSONB),
)  # fmt: skip
