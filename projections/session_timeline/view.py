"""What the session timeline projection writes, and the port every adapter implements.

The projection folds a batch of events into *changes* keyed by row. Each field says how it
merges with the row already stored, so applying batches in order gives the same rows whatever
the batch boundaries were (a rebuild equals the incremental view):

- ``first`` fields keep the stored value when there is one (cwd, started_at…);
- ``latest`` fields replace it when the batch has a value (model, stopped_at…);
- counters add.

A tool call is counted once, when its row first appears, whichever hook made it:
``PreToolUse``, a ``PermissionDenied`` (Claude Code's auto-mode classifier can deny a call
before any PreToolUse reaches us), a ``PostToolBatch`` item or an orphan ``PostToolUse``.
Only the view knows which rows exist, so it adds those counts (``new_call_counts``), to a
session the batch does not otherwise change too (a tool span can be a call's first sign).
A batch's completion is *weak*: it closes a call only where no PostToolUse, failure or
denial did (``batch_*`` fields), so hooks in any order give the same row.

A tool call's trace span (``SpanRecorded``, joined by ``tool_use_id``) fills its own
``span_*`` fields (``latest``), never the hooks'; its completion is weak: it closes a call
only where no hook did (SUCCEEDED, or FAILED for an ERROR status), a call abandoned at
SessionEnd included (the span says it ran; exporters send spans after the session ends).

A change's fields are named like its table's columns (``tables.py``): the adapters insert
``vars(change)``. The exception is a call's ``outcome``, which the ``status`` column merges
with what is stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

NAME = "session_timeline"

SessionKey = tuple[str, str]
"""(tenant_id, session_id)"""
RowKey = tuple[str, str, str]
"""(tenant_id, session_id, tool_use_id or agent_id)"""


@dataclass
class SessionChange:
    tenant_id: str
    session_id: str
    stream_id: UUID
    first_seen_at: datetime
    first_position: int
    last_event_at: datetime
    last_position: int
    status: str | None = None  # latest
    cwd: str | None = None  # first (with project, transcript_path, permission_mode)
    project: str | None = None
    transcript_path: str | None = None
    permission_mode: str | None = None
    source_app: str | None = None  # first
    model: str | None = None  # latest
    started_at: datetime | None = None  # first
    ended_at: datetime | None = None  # latest; cleared when the session is active again
    end_reason: str | None = None  # latest, with ended_at
    event_count: int = 0
    prompt_count: int = 0
    tool_call_count: int = 0  # PreToolUse without a tool_use_id; the view adds new call rows
    failed_tool_calls: int = 0
    subagent_count: int = 0
    compaction_count: int = 0
    denied_count: int = 0
    asked_count: int = 0


@dataclass
class ToolCallChange:
    tenant_id: str
    session_id: str
    tool_use_id: str
    tool_name: str | None = None  # first
    mcp_server: str | None = None  # first
    mcp_tool: str | None = None  # first
    agent_id: str | None = None  # first
    attribution: str | None = None  # first
    requested_at: datetime | None = None  # first
    requested_position: int | None = None  # first
    completed_at: datetime | None = None  # latest
    completed_position: int | None = None  # latest
    outcome: str | None = None  # latest: SUCCEEDED | FAILED | DENIED
    batch_completed_at: datetime | None = None  # first; completes only a call still pending
    batch_completed_position: int | None = None  # first, with batch_completed_at
    duration_ms: float | None = None  # latest (as the hook reported it)
    error: str | None = None  # latest
    spawned_agent_id: str | None = None  # latest
    decision: str | None = None  # latest (guardrail ruling: deny | ask | allow)
    decision_rule: str | None = None  # latest, with decision
    policy_version: int | None = None  # latest, with decision
    decision_source: str | None = None  # latest, with decision: guardrail | classifier
    trace_id: str | None = None  # latest (the tool span's), with span_id
    span_id: str | None = None  # latest
    span_duration_ms: float | None = None  # latest (as the span measured it)
    span_status: str | None = None  # latest: OK | ERROR | UNSET; a weak completion


@dataclass
class SubagentChange:
    tenant_id: str
    session_id: str
    agent_id: str
    first_position: int  # first
    attribution: str  # first
    agent_type: str | None = None  # first
    started_at: datetime | None = None  # first
    stopped_at: datetime | None = None  # latest
    tool_call_count: int = 0  # the view adds new call rows


@dataclass(frozen=True)
class EventRow:
    tenant_id: str
    session_id: str
    position: int
    version: int
    event_type: str
    hook: str
    received_at: datetime
    agent_id: str | None
    attribution: str | None
    tool_name: str | None
    tool_use_id: str | None
    payload: str
    """The hook's JSON text as stored: a NUL escape in it marked (``storable.jsonb_text``)."""


@dataclass(frozen=True)
class Abandonment:
    """Tool calls of a session still pending when it ended at ``position``."""

    tenant_id: str
    session_id: str
    position: int


@dataclass
class TimelineChanges:
    sessions: dict[SessionKey, SessionChange] = field(default_factory=dict)
    tool_calls: dict[RowKey, ToolCallChange] = field(default_factory=dict)
    subagents: dict[RowKey, SubagentChange] = field(default_factory=dict)
    events: list[EventRow] = field(default_factory=list)
    abandonments: list[Abandonment] = field(default_factory=list)


def new_call_counts(
    changes: TimelineChanges, stored: Collection[RowKey]
) -> tuple[Counter[SessionKey], Counter[RowKey]]:
    """Calls per session and per subagent among ``changes.tool_calls`` not yet ``stored``."""
    sessions: Counter[SessionKey] = Counter()
    subagents: Counter[RowKey] = Counter()
    for key, call in changes.tool_calls.items():
        if key in stored:
            continue
        sessions[(call.tenant_id, call.session_id)] += 1
        if call.agent_id is not None:
            subagents[(call.tenant_id, call.session_id, call.agent_id)] += 1
    return sessions, subagents


class SessionTimelineView(Protocol):
    """Where the timeline is kept. ``apply`` writes changes and position atomically."""

    def position(self) -> int:
        """Last global position applied (0 = nothing)."""

    def apply(self, changes: TimelineChanges, start: int, end: int) -> None:
        """Applies one batch that covers positions (start, end]; raises StalePositionError
        unless the stored position is ``start``."""

    def reset(self) -> None:
        """Empties the view and its position, for a rebuild."""
