"""A guardrail ruling as the session records it (the guardrails context decides it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ApprovalAsk:
    """An ``approve`` ruling's question to the people on duty (recorded as
    ``ApprovalRequested`` beside the ruling)."""

    request_id: str
    """``<session stream id hex>.<random hex>``: names the session it belongs to."""
    summary: str
    """What is asked: the command line, the path, or the tool's input (screened)."""
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    expires_at: datetime
    on_timeout: str
    """deny, ask or allow: the answer when nobody answers by ``expires_at``."""
    self_approval: bool
    requested_by: str | None = None
    """The caller who sent the hook (who may not answer it unless ``self_approval``)."""


@dataclass(frozen=True)
class Ruling:
    """What was decided about one PreToolUse/PermissionRequest hook, and how."""

    hook: str
    tool_name: str | None
    tool_use_id: str | None
    decision: str | None
    """deny, approve, ask or allow; None = nothing to say."""
    rule_id: str | None
    policy_version: int
    message: str | None
    latency_ms: float
    shadow: tuple[dict[str, str], ...] = field(default=())
    """Shadow rules that matched: ``{"rule_id", "decision", "message"}`` each."""
    intervention: str | None = None
    approval: ApprovalAsk | None = None
    """The question asked when ``decision`` is ``approve``."""
