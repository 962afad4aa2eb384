"""The session timeline in PostgreSQL, written with its position in one transaction.

Each batch locks the projection's position row, checks it is where the batch starts (so two
runners can never apply the same events twice), writes all rows with merge-on-conflict SQL
that mirrors the rules in ``view.py``, moves the position and notifies readers waiting for it.
"""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter
from typing import Any

import psycopg

from projections.session_timeline import tables as t
from projections.session_timeline.view import (
    NAME,
    EventRow,
    RowKey,
    TimelineChanges,
    ToolCallChange,
    new_call_counts,
)
from projections.statements import column_types, insert
from projections.view_tracking import TrackedView

TABLES = tuple(t.metadata.tables)


_UPSERT_SESSION = (
    insert(t.sessions, "s")
    + """
ON CONFLICT (tenant_id, session_id) DO UPDATE SET
    status = EXCLUDED.status,
    cwd = COALESCE(s.cwd, EXCLUDED.cwd),
    project = CASE WHEN s.cwd IS NULL THEN EXCLUDED.project ELSE s.project END,
    transcript_path = CASE WHEN s.cwd IS NULL THEN EXCLUDED.transcript_path
                           ELSE s.transcript_path END,
    permission_mode = CASE WHEN s.cwd IS NULL THEN EXCLUDED.permission_mode
                           ELSE s.permission_mode END,
    model = COALESCE(EXCLUDED.model, s.model),
    source_app = COALESCE(s.source_app, EXCLUDED.source_app),
    started_at = COALESCE(s.started_at, EXCLUDED.started_at),
    ended_at = CASE WHEN EXCLUDED.status = 'ENDED' THEN EXCLUDED.ended_at END,
    end_reason = CASE WHEN EXCLUDED.status = 'ENDED' THEN EXCLUDED.end_reason END,
    first_seen_at = LEAST(s.first_seen_at, EXCLUDED.first_seen_at),
    last_event_at = GREATEST(s.last_event_at, EXCLUDED.last_event_at),
    first_position = LEAST(s.first_position, EXCLUDED.first_position),
    last_position = GREATEST(s.last_position, EXCLUDED.last_position),
    event_count = s.event_count + EXCLUDED.event_count,
    prompt_count = s.prompt_count + EXCLUDED.prompt_count,
    tool_call_count = s.tool_call_count + EXCLUDED.tool_call_count,
    failed_tool_calls = s.failed_tool_calls + EXCLUDED.failed_tool_calls,
    subagent_count = s.subagent_count + EXCLUDED.subagent_count,
    compaction_count = s.compaction_count + EXCLUDED.compaction_count,
    denied_count = s.denied_count + EXCLUDED.denied_count,
    asked_count = s.asked_count + EXCLUDED.asked_count
"""
)

_UPSERT_TOOL_CALL = (
    insert(t.tool_calls, "t")
    + """
ON CONFLICT (tenant_id, session_id, tool_use_id) DO UPDATE SET
    tool_name = COALESCE(t.tool_name, EXCLUDED.tool_name),
    mcp_server = COALESCE(t.mcp_server, EXCLUDED.mcp_server),
    mcp_tool = COALESCE(t.mcp_tool, EXCLUDED.mcp_tool),
    attribution = CASE WHEN t.agent_id IS NULL THEN EXCLUDED.attribution ELSE t.attribution END,
    agent_id = COALESCE(t.agent_id, EXCLUDED.agent_id),
    status = CASE WHEN %(outcome)s::text IS NOT NULL THEN %(outcome)s::text
                  WHEN t.status = 'PENDING' AND EXCLUDED.batch_completed_at IS NOT NULL
                  THEN 'SUCCEEDED'
                  WHEN t.status IN ('PENDING', 'ABANDONED') AND EXCLUDED.span_status IS NOT NULL
                  THEN CASE WHEN EXCLUDED.span_status = 'ERROR' THEN 'FAILED'
                            ELSE 'SUCCEEDED' END
                  ELSE t.status END,
    requested_at = COALESCE(t.requested_at, EXCLUDED.requested_at),
    requested_position = COALESCE(t.requested_position, EXCLUDED.requested_position),
    completed_at = COALESCE(EXCLUDED.completed_at, t.completed_at),
    completed_position = COALESCE(EXCLUDED.completed_position, t.completed_position),
    batch_completed_at = COALESCE(t.batch_completed_at, EXCLUDED.batch_completed_at),
    batch_completed_position = COALESCE(t.batch_completed_position,
                                        EXCLUDED.batch_completed_position),
    duration_ms = COALESCE(
        EXCLUDED.duration_ms,
        t.duration_ms,
        EXTRACT(EPOCH FROM (COALESCE(EXCLUDED.completed_at, t.completed_at)
                            - COALESCE(t.requested_at, EXCLUDED.requested_at))) * 1000),
    error = COALESCE(EXCLUDED.error, t.error),
    spawned_agent_id = COALESCE(EXCLUDED.spawned_agent_id, t.spawned_agent_id),
    decision_rule = CASE WHEN EXCLUDED.decision IS NULL THEN t.decision_rule
                         ELSE EXCLUDED.decision_rule END,
    policy_version = CASE WHEN EXCLUDED.decision IS NULL THEN t.policy_version
                          ELSE EXCLUDED.policy_version END,
    decision_source = CASE WHEN EXCLUDED.decision IS NULL THEN t.decision_source
                           ELSE EXCLUDED.decision_source END,
    decision = COALESCE(EXCLUDED.decision, t.decision),
    trace_id = COALESCE(EXCLUDED.trace_id, t.trace_id),
    span_id = COALESCE(EXCLUDED.span_id, t.span_id),
    span_duration_ms = COALESCE(EXCLUDED.span_duration_ms, t.span_duration_ms),
    span_status = COALESCE(EXCLUDED.span_status, t.span_status)
"""
)

_COUNT_CALLS = """
UPDATE timeline_sessions SET tool_call_count = tool_call_count + %s
WHERE tenant_id = %s AND session_id = %s
"""

_STORED_CALLS = """
SELECT tenant_id, session_id, tool_use_id FROM timeline_tool_calls
WHERE (tenant_id, session_id, tool_use_id) IN
      (SELECT * FROM unnest(%b::text[], %b::text[], %b::text[]))
"""

_UPSERT_SUBAGENT = (
    insert(t.subagents, "a")
    + """
ON CONFLICT (tenant_id, session_id, agent_id) DO UPDATE SET
    agent_type = COALESCE(a.agent_type, EXCLUDED.agent_type),
    attribution = CASE WHEN EXCLUDED.first_position < a.first_position
                       THEN EXCLUDED.attribution ELSE a.attribution END,
    started_at = COALESCE(a.started_at, EXCLUDED.started_at),
    stopped_at = COALESCE(EXCLUDED.stopped_at, a.stopped_at),
    first_position = LEAST(a.first_position, EXCLUDED.first_position),
    tool_call_count = a.tool_call_count + EXCLUDED.tool_call_count
"""
)

_ABANDON = """
UPDATE timeline_tool_calls SET status = 'ABANDONED'
WHERE tenant_id = %s AND session_id = %s AND status = 'PENDING' AND requested_position < %s
"""

_EVENT_COLUMNS = [column.name for column in t.events.columns]
_COPY_EVENTS = f"COPY {t.events.name} ({', '.join(_EVENT_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
_EVENT_TYPES = list(column_types(t.events).values())
"""The columns of ``_COPY_EVENTS``, sent in binary (no text escaping of 2-3 KB payloads)."""
_EVENT_VALUES = attrgetter(*_EVENT_COLUMNS)
"""An ``EventRow`` as a row of ``_COPY_EVENTS`` (its fields are named like the columns)."""
INT4_MAX = 2**31 - 1


def inserted_status(change: ToolCallChange) -> str:
    """A new row's status: the outcome, else a batch's or a span's weak completion, else
    pending."""
    if change.outcome is not None:
        return change.outcome
    if change.batch_completed_at is not None:
        return "SUCCEEDED"
    return span_completion(change.span_status) or "PENDING"


def span_completion(span_status: str | None) -> str | None:
    """What a tool span says of a call nothing else closed (None: no span)."""
    if span_status is None:
        return None
    return "FAILED" if span_status == "ERROR" else "SUCCEEDED"


def computed_duration(change: ToolCallChange) -> float | None:
    if change.duration_ms is not None:
        return change.duration_ms
    if change.requested_at is not None and change.completed_at is not None:
        return _ms(change.completed_at, change.requested_at)
    return None


def _ms(end: datetime, start: datetime) -> float:
    return (end - start).total_seconds() * 1000


class PostgresSessionTimelineView(TrackedView):
    """Adapter over one psycopg connection (the runner's); search_path = the schema."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        super().__init__(conn, NAME, TABLES)

    def apply(self, changes: TimelineChanges, start: int, end: int) -> None:
        with self.batch(start, end) as cur:
            new_calls, new_agent_calls = new_call_counts(changes, _stored_calls(cur, changes))
            cur.executemany(
                _UPSERT_SESSION,
                [
                    {**vars(s), "status": s.status or "ACTIVE",
                     "tool_call_count": s.tool_call_count + new_calls[key]}
                    for key, s in changes.sessions.items()
                ],
            )  # fmt: skip
            cur.executemany(
                _COUNT_CALLS,
                [(n, *key) for key, n in new_calls.items() if key not in changes.sessions],
            )
            if changes.events:
                _check_versions(changes.events)
                with cur.copy(_COPY_EVENTS) as copy:
                    copy.set_types(_EVENT_TYPES)
                    for e in changes.events:
                        copy.write_row(_EVENT_VALUES(e))
            cur.executemany(
                _UPSERT_TOOL_CALL,
                [
                    {**vars(c), "status": inserted_status(c), "duration_ms": computed_duration(c)}
                    for c in changes.tool_calls.values()
                ],
            )
            cur.executemany(
                _UPSERT_SUBAGENT,
                [
                    {**vars(a), "tool_call_count": a.tool_call_count + new_agent_calls[key]}
                    for key, a in changes.subagents.items()
                ],
            )
            cur.executemany(
                _ABANDON, [(a.tenant_id, a.session_id, a.position) for a in changes.abandonments]
            )


def _check_versions(events: list[EventRow]) -> None:
    """Binary COPY would wrap an ``integer`` past its range silently: refuse instead (the
    batch's poison event is then parked, as a refusal by PostgreSQL would be)."""
    highest = max(e.version for e in events)
    if highest > INT4_MAX:
        raise ValueError(f"stream version {highest} is out of range for the timeline")


def _stored_calls(cur: psycopg.Cursor[Any], changes: TimelineChanges) -> set[RowKey]:
    """Which of the batch's tool calls already have a row (read under the position lock)."""
    if not changes.tool_calls:
        return set()
    keys = list(changes.tool_calls)
    found = cur.execute(
        _STORED_CALLS, ([k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys])
    ).fetchall()
    return {(str(t), str(s), str(c)) for t, s, c in found}
