"""The session timeline in memory, for tests and demos: each row is inserted from its change
or merged into the stored one, as the SQL's ``INSERT … ON CONFLICT`` does (``postgres.py``).

Rows are dicts keyed by the table's column names (a change names its fields like them), and
``tests/contract/test_session_timeline_view.py`` runs every case on both adapters and checks
that they hold the same rows.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import Table

from infra.tracking import StalePositionError
from projections.session_timeline import tables as t
from projections.session_timeline.postgres import (
    computed_duration,
    inserted_status,
    span_completion,
)
from projections.session_timeline.view import (
    RowKey,
    SessionKey,
    TimelineChanges,
    new_call_counts,
)

Row = dict[str, Any]


def _inserted(table: Table, change: object, **values: Any) -> Row:
    """The row an ``INSERT`` of ``change`` makes: each column from the field of its name."""
    return {c.name: values[c.name] if c.name in values else getattr(change, c.name)
            for c in table.columns}  # fmt: skip


def _first(row: Row, column: str, value: Any) -> None:
    if row[column] is None:
        row[column] = value


def _latest(row: Row, column: str, value: Any) -> None:
    if value is not None:
        row[column] = value


class InMemorySessionTimelineView:
    def __init__(self) -> None:
        self.sessions: dict[SessionKey, Row] = {}
        self.events: dict[tuple[str, str, int], Row] = {}
        self.tool_calls: dict[RowKey, Row] = {}
        self.subagents: dict[RowKey, Row] = {}
        self._position = 0

    def position(self) -> int:
        return self._position

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    def apply(self, changes: TimelineChanges, start: int, end: int) -> None:
        if self._position != start:
            raise StalePositionError(f"at {self._position}, batch starts at {start}")
        new_calls, new_agent_calls = new_call_counts(changes, self.tool_calls)
        self._sessions(changes, new_calls)
        for e in changes.events:
            key = (e.tenant_id, e.session_id, e.position)
            self.events[key] = _inserted(t.events, e, payload=json.loads(e.payload))
        self._tool_calls(changes)
        self._subagents(changes, new_agent_calls)
        self._abandon(changes)
        self._position = end

    def _sessions(self, changes: TimelineChanges, new_calls: Counter[SessionKey]) -> None:
        for key, calls in new_calls.items():
            if key not in changes.sessions and key in self.sessions:
                self.sessions[key]["tool_call_count"] += calls
        for key, s in changes.sessions.items():
            status = s.status or "ACTIVE"
            calls = s.tool_call_count + new_calls[key]
            row = self.sessions.get(key)
            if row is None:
                self.sessions[key] = _inserted(t.sessions, s, status=status, tool_call_count=calls)
                continue
            row["status"] = status
            if row["cwd"] is None:
                for column in ("cwd", "project", "transcript_path", "permission_mode"):
                    row[column] = getattr(s, column)
            _first(row, "source_app", s.source_app)
            _first(row, "started_at", s.started_at)
            _latest(row, "model", s.model)
            row["ended_at"] = s.ended_at if status == "ENDED" else None
            row["end_reason"] = s.end_reason if status == "ENDED" else None
            row["first_seen_at"] = min(row["first_seen_at"], s.first_seen_at)
            row["last_event_at"] = max(row["last_event_at"], s.last_event_at)
            row["first_position"] = min(row["first_position"], s.first_position)
            row["last_position"] = max(row["last_position"], s.last_position)
            row["tool_call_count"] += calls
            for column in ("event_count", "prompt_count", "failed_tool_calls", "subagent_count",
                           "compaction_count", "denied_count", "asked_count"):  # fmt: skip
                row[column] += getattr(s, column)

    def _tool_calls(self, changes: TimelineChanges) -> None:
        for key, c in changes.tool_calls.items():
            duration = computed_duration(c)
            row = self.tool_calls.get(key)
            if row is None:
                self.tool_calls[key] = _inserted(
                    t.tool_calls, c, status=inserted_status(c), duration_ms=duration
                )
                continue
            for column in ("tool_name", "mcp_server", "mcp_tool"):
                _first(row, column, getattr(c, column))
            if row["agent_id"] is None:
                row["agent_id"], row["attribution"] = c.agent_id, c.attribution
            if c.outcome is not None:
                row["status"] = c.outcome
            elif c.batch_completed_at is not None and row["status"] == "PENDING":
                row["status"] = "SUCCEEDED"  # a batch closes only what nothing else did
            elif c.span_status is not None and row["status"] in ("PENDING", "ABANDONED"):
                row["status"] = span_completion(c.span_status)  # a span says it did run
            for column in ("requested_at", "requested_position", "batch_completed_at",
                           "batch_completed_position"):  # fmt: skip
                _first(row, column, getattr(c, column))
            for column in ("completed_at", "completed_position", "error", "spawned_agent_id",
                           "trace_id", "span_id", "span_duration_ms", "span_status"):  # fmt: skip
                _latest(row, column, getattr(c, column))
            if c.decision is not None:
                for column in ("decision", "decision_rule", "policy_version", "decision_source"):
                    row[column] = getattr(c, column)
            both_known = row["requested_at"] and row["completed_at"]
            if duration is None and row["duration_ms"] is None and both_known:
                span = row["completed_at"] - row["requested_at"]
                duration = span.total_seconds() * 1000
            _latest(row, "duration_ms", duration)

    def _subagents(self, changes: TimelineChanges, new_calls: Counter[RowKey]) -> None:
        for key, a in changes.subagents.items():
            calls = a.tool_call_count + new_calls[key]
            row = self.subagents.get(key)
            if row is None:
                self.subagents[key] = _inserted(t.subagents, a, tool_call_count=calls)
                continue
            _first(row, "agent_type", a.agent_type)
            if a.first_position < row["first_position"]:
                row["attribution"], row["first_position"] = a.attribution, a.first_position
            _first(row, "started_at", a.started_at)
            _latest(row, "stopped_at", a.stopped_at)
            row["tool_call_count"] += calls

    def _abandon(self, changes: TimelineChanges) -> None:
        for ab in changes.abandonments:
            for row in self.tool_calls.values():
                requested = row["requested_position"]
                if (
                    (row["tenant_id"], row["session_id"]) == (ab.tenant_id, ab.session_id)
                    and row["status"] == "PENDING"
                    and requested is not None
                    and requested < ab.position
                ):
                    row["status"] = "ABANDONED"
