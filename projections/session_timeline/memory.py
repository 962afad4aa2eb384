"""The session timeline in memory: the same merge rules as the SQL, for tests and demos.

Rows are dicts with the PostgreSQL column names, so one contract suite can compare adapters.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from projections.session_timeline.postgres import computed_duration
from projections.session_timeline.view import (
    RowKey,
    SessionKey,
    TimelineChanges,
    new_call_counts,
)
from projections.tracking import StalePositionError


def _first(row: dict[str, Any], column: str, value: Any) -> None:
    if row.get(column) is None:
        row[column] = value


def _latest(row: dict[str, Any], column: str, value: Any) -> None:
    if value is not None:
        row[column] = value


class InMemorySessionTimelineView:
    def __init__(self) -> None:
        self.sessions: dict[tuple[str, str], dict[str, Any]] = {}
        self.events: dict[tuple[str, str, int], dict[str, Any]] = {}
        self.tool_calls: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.subagents: dict[tuple[str, str, str], dict[str, Any]] = {}
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
        self._events(changes)
        self._tool_calls(changes)
        self._subagents(changes, new_agent_calls)
        self._abandon(changes)
        self._position = end

    def _sessions(self, changes: TimelineChanges, new_calls: Counter[SessionKey]) -> None:
        for key, s in changes.sessions.items():
            status = s.status or "ACTIVE"
            row = self.sessions.setdefault(
                key,
                {
                    "tenant_id": s.tenant_id, "session_id": s.session_id,
                    "stream_id": s.stream_id, "first_seen_at": s.first_seen_at,
                    "last_event_at": s.last_event_at, "first_position": s.first_position,
                    "last_position": s.last_position, "event_count": 0, "prompt_count": 0,
                    "tool_call_count": 0, "failed_tool_calls": 0, "subagent_count": 0,
                    "compaction_count": 0, "denied_count": 0, "asked_count": 0,
                    "cwd": None, "project": None, "transcript_path": None,
                    "permission_mode": None, "source_app": None, "model": None,
                    "started_at": None,
                },
            )  # fmt: skip
            row["status"] = status
            if row.get("cwd") is None:
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
            row["event_count"] += s.event_count
            row["prompt_count"] += s.prompt_count
            row["tool_call_count"] += s.tool_call_count + new_calls[key]
            row["failed_tool_calls"] += s.failed_tool_calls
            row["subagent_count"] += s.subagent_count
            row["compaction_count"] += s.compaction_count
            row["denied_count"] += s.denied_count
            row["asked_count"] += s.asked_count

    def _events(self, changes: TimelineChanges) -> None:
        for e in changes.events:
            self.events[(e.tenant_id, e.session_id, e.position)] = {
                "tenant_id": e.tenant_id, "session_id": e.session_id, "position": e.position,
                "version": e.version, "event_type": e.event_type, "hook": e.hook,
                "received_at": e.received_at, "agent_id": e.agent_id,
                "attribution": e.attribution, "tool_name": e.tool_name,
                "tool_use_id": e.tool_use_id, "payload": json.loads(e.payload),
            }  # fmt: skip

    def _tool_calls(self, changes: TimelineChanges) -> None:
        for key, c in changes.tool_calls.items():
            row = self.tool_calls.setdefault(
                key,
                {"tenant_id": c.tenant_id, "session_id": c.session_id, "tool_use_id": c.tool_use_id,
                 "status": "PENDING", "duration_ms": None},
            )  # fmt: skip
            for column in ("tool_name", "mcp_server", "mcp_tool"):
                _first(row, column, getattr(c, column))
            if row.get("agent_id") is None:
                row["agent_id"], row["attribution"] = c.agent_id, c.attribution
            if c.outcome is not None:
                row["status"] = c.outcome
            elif c.batch_completed_at is not None and row["status"] == "PENDING":
                row["status"] = "SUCCEEDED"  # a batch closes only what nothing else did
            _first(row, "batch_completed_at", c.batch_completed_at)
            _first(row, "batch_completed_position", c.batch_completed_position)
            _first(row, "requested_at", c.requested_at)
            _first(row, "requested_position", c.requested_position)
            _latest(row, "completed_at", c.completed_at)
            _latest(row, "completed_position", c.completed_position)
            _latest(row, "error", c.error)
            _latest(row, "spawned_agent_id", c.spawned_agent_id)
            if c.decision is not None:
                row["decision"], row["decision_rule"] = c.decision, c.decision_rule
                row["policy_version"] = c.policy_version
                row["decision_source"] = c.decision_source
            duration = computed_duration(c)
            both_known = row.get("requested_at") and row.get("completed_at")
            if duration is None and row["duration_ms"] is None and both_known:
                span = row["completed_at"] - row["requested_at"]
                duration = span.total_seconds() * 1000
            if duration is not None:
                row["duration_ms"] = duration
            for column in (
                "requested_at",
                "completed_at",
                "requested_position",
                "completed_position",
                "error",
                "spawned_agent_id",
                "decision",
                "decision_rule",
                "policy_version",
                "decision_source",
                "batch_completed_at",
                "batch_completed_position",
            ):
                row.setdefault(column, None)  # fmt: skip

    def _subagents(self, changes: TimelineChanges, new_calls: Counter[RowKey]) -> None:
        for key, a in changes.subagents.items():
            calls = a.tool_call_count + new_calls[key]
            row = self.subagents.get(key)
            if row is None:
                row = self.subagents[key] = {
                    "tenant_id": a.tenant_id, "session_id": a.session_id, "agent_id": a.agent_id,
                    "agent_type": a.agent_type, "attribution": a.attribution,
                    "started_at": a.started_at, "stopped_at": a.stopped_at,
                    "first_position": a.first_position, "tool_call_count": calls,
                }  # fmt: skip
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

    def advance_only(self, start: int, end: int) -> None:
        if self._position != start:
            raise StalePositionError(f"at {self._position}, batch starts at {start}")
        self._position = end
