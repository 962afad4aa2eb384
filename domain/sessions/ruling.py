"""A guardrail ruling as the session records it (the guardrails context decides it)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ruling:
    """What was decided about one PreToolUse/PermissionRequest hook, and how."""

    hook: str
    tool_name: str | None
    tool_use_id: str | None
    decision: str | None
    """deny, ask or allow; None = nothing to say."""
    rule_id: str | None
    policy_version: int
    message: str | None
    latency_ms: float
    shadow: tuple[dict[str, str], ...] = field(default=())
    """Shadow rules that matched: ``{"rule_id", "decision", "message"}`` each."""
    intervention: str | None = None
