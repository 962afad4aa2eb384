"""``audit replay``: a session and the guardrail policy in force, as they were at a moment.

Both are folded from their own events up to that moment (nothing is read from read models,
which may have been rebuilt since): the session's status, counts, subagents and tool calls
still open, its last events, and the tenant's policy version, rules and any quarantine of the
session that was active then.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from commands.store.application import EventStoreApplication
from domain.audit.records import describe
from domain.guardrails.defaults import DEFAULT_RULES
from domain.guardrails.interventions import intervention_id
from domain.guardrails.policy import policy_id
from domain.sessions.values import session_stream_id


@dataclass
class Replayed:
    at: datetime | None
    session: dict[str, Any]
    policy: dict[str, Any]
    quarantine: dict[str, Any] | None
    events: list[dict[str, Any]] = field(default_factory=list)
    """Every event up to the moment (as auditors read them, redacted)."""


class SessionNotFoundError(LookupError):
    pass


def replay_session(
    store: EventStoreApplication, tenant_id: str, session_id: str, at: datetime | None = None
) -> Replayed:
    session: Any = None
    open_calls: dict[str, dict[str, Any]] = {}
    events: list[dict[str, Any]] = []
    decisions = 0
    for event in _stream(store, session_stream_id(tenant_id, session_id)):
        if at is not None and event.timestamp > at:
            break
        session = event.mutate(session)
        events.append(describe(event, 0) | {"position": None})
        name = type(event).__name__
        tool_use_id = getattr(event, "tool_use_id", None)
        if name == "ToolCallRequested" and tool_use_id:
            open_calls[tool_use_id] = {"tool_use_id": tool_use_id, "tool_name": event.tool_name,
                                       "requested_at": event.timestamp.isoformat()}  # fmt: skip
        elif name in ("ToolCallCompleted", "ToolCallFailed") and tool_use_id:
            open_calls.pop(tool_use_id, None)
        elif name == "ToolCallDecided":
            decisions += 1
    if session is None:
        raise SessionNotFoundError(
            f"no session {session_id!r} in tenant {tenant_id!r}"
            + (f" before {at.isoformat()}" if at else "")
        )
    state = {
        "session_id": session_id, "tenant_id": tenant_id, "status": session.status,
        "hooks": session.hook_count, "decisions": decisions, "version": session.version,
        "erased": session.erased,
        "subagents": session.subagents, "open_tool_calls": list(open_calls.values()),
        "head_hash": session.head_hash,
    }  # fmt: skip
    quarantine = _quarantine(store, tenant_id, session_id, at)
    return Replayed(at, state, _policy(store, tenant_id, at), quarantine, events)


def _policy(store: EventStoreApplication, tenant_id: str, at: datetime | None) -> dict[str, Any]:
    policy: Any = None
    changed_at = None
    for event in _stream(store, policy_id(tenant_id)):
        if at is not None and event.timestamp > at:
            break
        policy = event.mutate(policy)
        changed_at = event.timestamp
    if policy is None:
        return {"version": 0, "rules": [dict(r) for r in DEFAULT_RULES], "since": None,
                "note": "the built-in defaults (no change had been made)"}  # fmt: skip
    return {"version": policy.version, "rules": [dict(r) for r in policy.rules],
            "since": changed_at.isoformat() if changed_at else None}  # fmt: skip


def _quarantine(
    store: EventStoreApplication, tenant_id: str, session_id: str, at: datetime | None
) -> dict[str, Any] | None:
    item: Any = None
    for event in _stream(store, intervention_id(tenant_id, "session", session_id)):
        if at is not None and event.timestamp > at:
            break
        item = event.mutate(item)
    if item is None or not item.active:
        return None
    return {"mode": item.mode, "reason": item.reason}


def _stream(store: EventStoreApplication, stream_id: UUID) -> Iterator[Any]:
    yield from store.events.get(stream_id)
