"""SQLAlchemy Core descriptions of the timeline tables, for the view's writes and the queries.

The DDL lives in ``migrations/postgres``; these objects never create anything.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()


class JSONText(TypeDecorator[Any]):
    """JSON kept as ``text`` (``migrations/postgres/0011``), returned parsed."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else json.loads(value)


sessions = Table(
    "timeline_sessions",
    metadata,
    Column("tenant_id", Text, primary_key=True),
    Column("session_id", Text, primary_key=True),
    Column("stream_id", Uuid),
    Column("status", Text),
    Column("cwd", Text),
    Column("project", Text),
    Column("model", Text),
    Column("transcript_path", Text),
    Column("permission_mode", Text),
    Column("source_app", Text),
    Column("started_at", DateTime(timezone=True)),
    Column("ended_at", DateTime(timezone=True)),
    Column("end_reason", Text),
    Column("first_seen_at", DateTime(timezone=True)),
    Column("last_event_at", DateTime(timezone=True)),
    Column("first_position", BigInteger),
    Column("last_position", BigInteger),
    Column("event_count", Integer),
    Column("prompt_count", Integer),
    Column("tool_call_count", Integer),
    Column("failed_tool_calls", Integer),
    Column("subagent_count", Integer),
    Column("compaction_count", Integer),
    Column("denied_count", Integer),
    Column("asked_count", Integer),
)

events = Table(
    "timeline_events",
    metadata,
    Column("tenant_id", Text, primary_key=True),
    Column("session_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("version", Integer),
    Column("event_type", Text),
    Column("hook", Text),
    Column("received_at", DateTime(timezone=True)),
    Column("agent_id", Text),
    Column("attribution", Text),
    Column("tool_name", Text),
    Column("tool_use_id", Text),
    Column("payload", JSONText),
)

tool_calls = Table(
    "timeline_tool_calls",
    metadata,
    Column("tenant_id", Text, primary_key=True),
    Column("session_id", Text, primary_key=True),
    Column("tool_use_id", Text, primary_key=True),
    Column("tool_name", Text),
    Column("mcp_server", Text),
    Column("mcp_tool", Text),
    Column("agent_id", Text),
    Column("attribution", Text),
    Column("status", Text),
    Column("requested_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    Column("duration_ms", Float),
    Column("requested_position", BigInteger),
    Column("completed_position", BigInteger),
    Column("error", Text),
    Column("spawned_agent_id", Text),
    Column("decision", Text),
    Column("decision_rule", Text),
    Column("policy_version", Integer),
    Column("decision_source", Text),
    Column("batch_completed_at", DateTime(timezone=True)),
    Column("batch_completed_position", BigInteger),
    Column("trace_id", Text),
    Column("span_id", Text),
    Column("span_duration_ms", Float),
    Column("span_status", Text),
)

subagents = Table(
    "timeline_subagents",
    metadata,
    Column("tenant_id", Text, primary_key=True),
    Column("session_id", Text, primary_key=True),
    Column("agent_id", Text, primary_key=True),
    Column("agent_type", Text),
    Column("attribution", Text),
    Column("started_at", DateTime(timezone=True)),
    Column("stopped_at", DateTime(timezone=True)),
    Column("first_position", BigInteger),
    Column("tool_call_count", Integer),
)
