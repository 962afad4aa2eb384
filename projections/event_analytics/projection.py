"""Every event in, one wide analytics row out (no I/O).

Every domain event that names a tenant becomes one row: hooks, guardrail decisions,
erasures, and commands (policy changes, quarantines, API keys, audited actions). Events
without a tenant are skipped.

Invariants:
- a row depends on its event alone, never on the rest of the batch, so any batching, any
  replay and any re-insert after a crash writes the very same row (what makes the view's
  ReplacingMergeTree collapse duplicates and a rebuild equal the incremental view);
- ``event_id`` is ``uuid5(EVENT_NAMESPACE, "<originator_id>:<originator_version>")``: the
  stored event's own key, stable across rebuilds and equal in every store;
- ``payload`` is the hook's ``payload_json``, already redacted at ingest; for other events it
  is a JSON object of allow-listed fields only. ``sealed`` (ciphertext of the originals),
  ``prev_hash`` and key digests are never copied.
- ``duration_ms`` is what the hook reported. A PreToolUse/PostToolUse pair is timed at query
  time (``queries.py``), by ``tool_use_id``: pairing here would make a row depend on where a
  batch happened to end.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from hashlib import sha1
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.sessions.aggregate import AgentSession

NAME = "event_analytics"

EVENT_NAMESPACE = uuid5(NAMESPACE_URL, "https://observatory.dev/events")

COLUMNS = (
    "tenant_id", "event_id", "position", "at", "event_type", "session_id", "agent_id",
    "agent_type", "attribution", "source", "hook", "tool_name", "tool_use_id", "mcp_server",
    "outcome", "duration_ms", "decision", "rule_id", "redacted", "payload",
)  # fmt: skip

_COMMAND_FIELDS = (
    "by", "actor", "action", "target", "detail", "reason", "kind", "target_id", "mode", "rule",
    "rule_id", "rules", "key_id", "name", "role", "expires_at", "replaces", "erased_by",
)  # fmt: skip
"""Fields of non-hook events that may be copied: what they mean, never what they protect."""

_DECISION_FIELDS = (
    "decision", "rule_id", "policy_version", "mode", "message", "shadow", "intervention",
    "latency_ms",
)  # fmt: skip
"""A ruling's message was redacted at ingest with the hook it rules on."""

_OUTCOMES: dict[type[Any], str] = {
    AgentSession.ToolCallCompleted: "ok",
    AgentSession.ToolCallFailed: "failed",
    AgentSession.PermissionDenied: "denied",
}

PositionedEvent = tuple[int, object]
"""(global position, domain event)"""

Row = tuple[Any, ...]
"""One row's values in ``COLUMNS`` order."""

_EVENT_ID_PREFIX = sha1(EVENT_NAMESPACE.bytes, usedforsecurity=False)


@dataclass
class AnalyticsRows:
    """A batch's rows as value tuples (``COLUMNS`` order): the view turns them into columns."""

    values: list[Row] = field(default_factory=list)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The rows as column -> value (for reading them in tests and tools)."""
        return [dict(zip(COLUMNS, row, strict=True)) for row in self.values]

    def __len__(self) -> int:
        return len(self.values)


def event_id(originator_id: UUID, version: int) -> UUID:
    return uuid5(EVENT_NAMESPACE, f"{originator_id}:{version}")


def event_id_text(originator_id: UUID, version: int) -> str:
    """``str(event_id(...))`` without building two UUID objects (a rebuild makes one per event;
    this is uuid5 by hand: the SHA-1 of namespace + name, with version and variant bits set)."""
    digest = _EVENT_ID_PREFIX.copy()
    digest.update(f"{originator_id}:{version}".encode())
    h = digest.hexdigest()
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _allowed(event: Any, names: tuple[str, ...]) -> str:
    picked = {n: getattr(event, n) for n in names if n in vars(event)}
    return json.dumps(picked, default=str, ensure_ascii=False, sort_keys=True)


class EventAnalyticsProjection:
    def changes(self, events: Iterable[PositionedEvent]) -> AnalyticsRows:
        values = [row_values(position, event) for position, event in events]
        return AnalyticsRows([row for row in values if row is not None])


def analytics_row(position: int, event: Any) -> dict[str, Any] | None:
    """The event's row (column -> value), or None for an event without a tenant."""
    values = row_values(position, event)
    return None if values is None else dict(zip(COLUMNS, values, strict=True))


def row_values(position: int, event: Any) -> Row | None:
    """The event's row in ``COLUMNS`` order, or None for an event without a tenant."""
    tenant = getattr(event, "tenant_id", None)
    if not isinstance(tenant, str) or not tenant:
        return None
    at = event.timestamp
    if at.tzinfo is None:
        raise ValueError("analytics times must be timezone-aware")
    session_id = _text(getattr(event, "session_id", None))
    agent_id = agent_type = attribution = source = hook = tool_name = tool_use_id = ""
    mcp_server = outcome = decision = rule_id = ""
    duration_ms: float | None = None
    redacted: list[str] = []
    if isinstance(event, AgentSession.HookRecorded):
        agent_id, agent_type = _text(event.agent_id), _text(event.agent_type)
        attribution, source, hook = _text(event.attribution), _text(event.source), event.hook
        redacted = list(event.redacted)
        payload = event.payload_json
        outcome = _OUTCOMES.get(type(event), "")
        if isinstance(event, AgentSession.ToolHookRecorded):
            tool_name, tool_use_id = _text(event.tool_name), _text(event.tool_use_id)
            mcp_server, duration_ms = _text(event.mcp_server), event.duration_ms
    elif isinstance(event, AgentSession.ToolCallDecided):
        agent_id, hook = _text(event.agent_id), event.hook
        tool_name, tool_use_id = _text(event.tool_name), _text(event.tool_use_id)
        decision, rule_id = _text(event.decision), _text(event.rule_id)
        outcome = "denied" if event.decision == "deny" else ""
        payload = _allowed(event, _DECISION_FIELDS)
    else:
        kind = getattr(event, "kind", None)
        if kind == "agent":  # a quarantine of an agent
            agent_id = _text(getattr(event, "target_id", None))
        elif kind == "session" and not session_id:
            session_id = _text(getattr(event, "target_id", None))
        payload = _allowed(event, _COMMAND_FIELDS)
    return (
        tenant, event_id_text(event.originator_id, event.originator_version), position, at,
        type(event).__qualname__, session_id, agent_id, agent_type, attribution, source, hook,
        tool_name, tool_use_id, mcp_server, outcome, duration_ms, decision, rule_id, redacted,
        payload,
    )  # fmt: skip
