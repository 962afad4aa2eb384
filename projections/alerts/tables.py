"""The alerts read model's tables (SQLAlchemy Core), for the view's writes and the queries.

The DDL lives in ``migrations/postgres``; these objects never create anything.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, Integer, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID

metadata = MetaData()
alerts = Table(
    "alerts", metadata,
    Column("tenant_id", Text, primary_key=True), Column("alert_id", PgUUID, primary_key=True),
    Column("position", BigInteger), Column("session_id", Text), Column("agent", Text),
    Column("severity", Text), Column("status", Text), Column("reason", Text),
    Column("score", Float), Column("model_kind", Text), Column("model_version_id", PgUUID),
    Column("assessment_id", PgUUID), Column("assessment_version", Integer),
    Column("raised_by", Text), Column("raised_at", DateTime(timezone=True)),
    Column("acknowledged_by", Text), Column("acknowledged_at", DateTime(timezone=True)),
    Column("acknowledged_note", Text), Column("resolved_by", Text),
    Column("resolved_at", DateTime(timezone=True)), Column("resolved_note", Text),
    Column("escalation", Text), Column("escalated_at", DateTime(timezone=True)),
    Column("last_position", BigInteger),
)  # fmt: skip
model_versions = Table(
    "model_versions", metadata,
    Column("tenant_id", Text, primary_key=True), Column("version_id", PgUUID, primary_key=True),
    Column("position", BigInteger), Column("kind", Text), Column("label", Text),
    Column("status", Text), Column("metrics", JSONB), Column("artifact_sha256", Text),
    Column("feature_schema_version", Text), Column("trained_by", Text),
    Column("trained_at", DateTime(timezone=True)), Column("promoted_by", Text),
    Column("promoted_at", DateTime(timezone=True)), Column("retired_by", Text),
    Column("retired_at", DateTime(timezone=True)), Column("retired_reason", Text),
    Column("last_position", BigInteger),
)  # fmt: skip
