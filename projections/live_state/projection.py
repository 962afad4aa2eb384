"""Events in, live-state updates out (no I/O).

Only what a live dashboard shows: which sessions are active, each one's latest events
(hook, tool, agent, decision; never payloads: Redis is a cache, not a place for data), and
per-tenant counters. Every update carries the event's global position, which is how the
Redis view stays idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.sessions.aggregate import AgentSession

NAME = "live_state"


@dataclass(frozen=True)
class LiveEvent:
    tenant_id: str
    session_id: str
    position: int
    at: datetime
    kind: str
    """The hook (``PreToolUse``...), ``Decision`` for a guardrail ruling, or ``MODEL_CALL``
    for a call to the model (the agent's telemetry; ``tool`` is then the model)."""
    tool: str
    agent: str
    decision: str

    def public(self) -> dict[str, Any]:
        """What subscribers receive (and what the recent-events stream holds)."""
        return {"position": self.position, "at": self.at.isoformat(), "tenant_id": self.tenant_id,
                "session_id": self.session_id, "kind": self.kind, "tool": self.tool,
                "agent": self.agent, "decision": self.decision}  # fmt: skip


MODEL_CALL = "ModelCall"


@dataclass
class LiveChanges:
    events: list[LiveEvent] = field(default_factory=list)
    told: list[LiveEvent] = field(default_factory=list)
    """Published to subscribers only, never stored: model calls. A model call is no hook, so
    it neither moves its session's state (telemetry comes in batches, often after SessionEnd)
    nor counts; it is told so that a usage page refetches when spend changes, not on a timer."""


_COUNTED = {
    "PreToolUse": "tool_calls",
    "PostToolUseFailure": "failures",
    "SessionStart": "sessions_started",
    "SubagentStart": "subagents_started",
}


def counters_of(event: LiveEvent) -> list[str]:
    """The per-tenant counters one live event increments."""
    names = ["events"]
    if event.kind in _COUNTED:
        names.append(_COUNTED[event.kind])
    if event.decision in ("deny", "ask"):
        names.append({"deny": "denials", "ask": "asks"}[event.decision])
    return names


class LiveStateProjection:
    def changes(self, events: Iterable[tuple[int, object]]) -> LiveChanges:
        out = LiveChanges()
        for position, event in events:
            item = self._live(position, event)
            if item is not None:
                out.events.append(item)
            elif isinstance(event, AgentSession.ModelCallRecorded):
                out.told.append(LiveEvent(event.tenant_id, event.session_id, position,
                                          event.timestamp, MODEL_CALL, event.model or "",
                                          "main", ""))  # fmt: skip
        return out

    @staticmethod
    def _live(position: int, event: Any) -> LiveEvent | None:
        if isinstance(event, AgentSession.HookRecorded):
            # Claude Code's auto-mode classifier denied the call: shown and counted as a denial
            # (the kind, PermissionDenied, says who denied it).
            denied = isinstance(event, AgentSession.PermissionDenied)
            return LiveEvent(event.tenant_id, event.session_id, position, event.timestamp,
                             event.hook, getattr(event, "tool_name", None) or "",
                             event.agent_type or ("subagent" if event.agent_id else "main"),
                             "deny" if denied else "")  # fmt: skip
        if isinstance(event, AgentSession.ToolCallDecided) and event.decision:
            return LiveEvent(event.tenant_id, event.session_id, position, event.timestamp,
                             "Decision", event.tool_name or "",
                             "subagent" if event.agent_id else "main",
                             event.decision)  # fmt: skip
        return None
