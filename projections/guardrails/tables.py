"""The guardrails read model's tables (SQLAlchemy Core), for the view's writes and the queries.

The DDL lives in ``migrations/postgres``; these objects never create anything.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Float, Integer, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()
policies = Table(
    "guardrail_policies", metadata,
    Column("tenant_id", Text, primary_key=True), Column("version", Integer),
    Column("updated_at", DateTime(timezone=True)), Column("updated_by", Text),
    Column("last_position", BigInteger),
)  # fmt: skip
rules = Table(
    "guardrail_rules", metadata,
    Column("tenant_id", Text, primary_key=True), Column("rule_id", Text, primary_key=True),
    Column("ordinal", Integer), Column("definition", JSONB),
)  # fmt: skip
changes = Table(
    "guardrail_changes", metadata,
    Column("tenant_id", Text, primary_key=True), Column("version", Integer, primary_key=True),
    Column("position", BigInteger), Column("change", Text), Column("rule_id", Text),
    Column("definition", JSONB), Column("changed_by", Text),
    Column("changed_at", DateTime(timezone=True)),
)  # fmt: skip
decisions = Table(
    "guardrail_decisions", metadata,
    Column("tenant_id", Text, primary_key=True), Column("position", BigInteger, primary_key=True),
    Column("session_id", Text), Column("hook", Text), Column("tool_name", Text),
    Column("tool_use_id", Text), Column("agent_id", Text), Column("decision", Text),
    Column("rule_id", Text), Column("policy_version", Integer), Column("message", Text),
    Column("latency_ms", Float), Column("shadow", JSONB), Column("intervention", Text),
    Column("decided_at", DateTime(timezone=True)),
)  # fmt: skip
interventions = Table(
    "guardrail_interventions", metadata,
    Column("tenant_id", Text, primary_key=True), Column("kind", Text, primary_key=True),
    Column("target_id", Text, primary_key=True), Column("active", Boolean), Column("mode", Text),
    Column("reason", Text), Column("imposed_by", Text),
    Column("imposed_at", DateTime(timezone=True)), Column("lifted_by", Text),
    Column("lifted_at", DateTime(timezone=True)), Column("last_position", BigInteger),
)  # fmt: skip
