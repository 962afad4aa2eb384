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
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.sessions.aggregate import AgentSession
from projections.event_analytics.connections import clickhouse_time

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


@dataclass
class AnalyticsRows:
    rows: list[dict[str, Any]] = field(default_factory=list)


def event_id(originator_id: UUID, version: int) -> UUID:
    return uuid5(EVENT_NAMESPACE, f"{originator_id}:{version}")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _allowed(event: Any, names: tuple[str, ...]) -> str:
    picked = {n: getattr(event, n) for n in names if n in vars(event)}
    return json.dumps(picked, default=str, ensure_ascii=False, sort_keys=True)


class EventAnalyticsProjection:
    def changes(self, events: Iterable[PositionedEvent]) -> AnalyticsRows:
        out = AnalyticsRows()
        for position, event in events:
            row = analytics_row(position, event)
            if row is not None:
                out.rows.append(row)
        return out


def analytics_row(position: int, event: Any) -> dict[str, Any] | None:
    """The event's row (column -> JSON value), or None for an event without a tenant."""
    tenant = getattr(event, "tenant_id", None)
    if not isinstance(tenant, str) or not tenant:
        return None
    row: dict[str, Any] = dict.fromkeys(COLUMNS, "")
    row.update(
        tenant_id=tenant,
        event_id=str(event_id(event.originator_id, event.originator_version)),
        position=position,
        at=clickhouse_time(event.timestamp),
        event_type=type(event).__qualname__,
        session_id=_text(getattr(event, "session_id", None)),
        duration_ms=None,
        redacted=[],
    )
    if isinstance(event, AgentSession.HookRecorded):
        _hook(row, event)
    elif isinstance(event, AgentSession.ToolCallDecided):
        _decision(row, event)
    else:
        _command(row, event)
    return row


def _hook(row: dict[str, Any], event: Any) -> None:
    row.update(
        agent_id=_text(event.agent_id),
        agent_type=_text(event.agent_type),
        attribution=_text(event.attribution),
        source=_text(event.source),
        hook=event.hook,
        redacted=list(event.redacted),
        payload=event.payload_json,
        outcome=_OUTCOMES.get(type(event), ""),
    )
    if isinstance(event, AgentSession.ToolHookRecorded):
        row.update(
            tool_name=_text(event.tool_name),
            tool_use_id=_text(event.tool_use_id),
            mcp_server=_text(event.mcp_server),
            duration_ms=event.duration_ms,
        )


def _decision(row: dict[str, Any], event: Any) -> None:
    row.update(
        agent_id=_text(event.agent_id),
        hook=event.hook,
        tool_name=_text(event.tool_name),
        tool_use_id=_text(event.tool_use_id),
        decision=_text(event.decision),
        rule_id=_text(event.rule_id),
        outcome="denied" if event.decision == "deny" else "",
        payload=_allowed(event, _DECISION_FIELDS),
    )


def _command(row: dict[str, Any], event: Any) -> None:
    if getattr(event, "kind", None) == "agent":  # a quarantine of an agent
        row["agent_id"] = _text(getattr(event, "target_id", None))
    elif getattr(event, "kind", None) == "session" and not row["session_id"]:
        row["session_id"] = _text(getattr(event, "target_id", None))
    row["payload"] = _allowed(event, _COMMAND_FIELDS)
