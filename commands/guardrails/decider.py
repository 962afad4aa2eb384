"""Rules on a PreToolUse or PermissionRequest hook, against this process's guard state."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from commands.guardrails.budgets import SpendLedger
from commands.guardrails.follower import PolicyFollower
from domain.guardrails.rules import evaluate
from domain.guardrails.values import Approval, ToolCall
from domain.sessions.hooks import HookFacts
from domain.sessions.ruling import ApprovalAsk, Ruling
from domain.sessions.values import session_stream_id

DECIDED_HOOKS = frozenset({"PreToolUse", "PermissionRequest"})


class Decider:
    """Judges with the policy follower's rules and, for budget rules, the spend ledger's sums
    (without a ledger, budget rules never match)."""

    def __init__(self, follower: PolicyFollower, ledger: SpendLedger | None = None) -> None:
        self.follower = follower
        self.ledger = ledger

    def rule(
        self,
        tenant_id: str,
        facts: HookFacts,
        payload: Mapping[str, Any],
        started: float,
        *,
        received_at: datetime | None = None,
        requested_by: str | None = None,
    ) -> Ruling | None:
        """The ruling for a hook that asks for one (None for every other hook).

        ``started`` is ``time.perf_counter()`` when the request arrived: the recorded latency
        covers parsing, checking and deciding. An ``approve`` ruling carries its question
        (``ApprovalAsk``), due ``wait_seconds`` after ``received_at``; ``requested_by`` is the
        caller, who may not answer it unless the rule allows self-approval.
        """
        if facts.hook not in DECIDED_HOOKS:
            return None
        guard = self.follower.state.for_tenant(tenant_id)
        tool_input = payload.get("tool_input")
        call = ToolCall(
            facts.tool.name if facts.tool else "",
            tool_input if isinstance(tool_input, dict) else {},
            facts.session_id,
            facts.agent_id,
            self.ledger.for_tenant(tenant_id) if guard.budgeted and self.ledger else None,
        )
        verdict = evaluate(
            guard.rules, call, guard.quarantines_for(facts.session_id, facts.agent_id)
        )
        return Ruling(
            hook=facts.hook,
            tool_name=call.tool_name or None,
            tool_use_id=facts.tool_use_id,
            decision=verdict.decision.value if verdict.decision else None,
            rule_id=verdict.rule_id,
            policy_version=guard.version,
            message=verdict.message,
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
            shadow=tuple(
                {"rule_id": hit.rule_id, "decision": hit.decision.value, "message": hit.message}
                for hit in verdict.shadow
            ),
            intervention=verdict.intervention,
            approval=(
                None
                if verdict.approval is None or received_at is None
                else _ask(tenant_id, facts, call, verdict.approval, received_at, requested_by)
            ),
        )


def _ask(
    tenant_id: str, facts: HookFacts, call: ToolCall, approval: Approval, at: datetime,
    requested_by: str | None,
) -> ApprovalAsk:  # fmt: skip
    """The question; its id names the session's stream, so any replica finds the request."""
    stream = session_stream_id(tenant_id, facts.session_id)
    return ApprovalAsk(
        request_id=f"{stream.hex}.{secrets.token_hex(8)}",
        summary=summary(call),
        roles=approval.roles,
        teams=approval.teams,
        expires_at=at + timedelta(seconds=approval.wait_seconds),
        on_timeout=approval.on_timeout.value,
        self_approval=approval.self_approval,
        requested_by=requested_by,
    )


def summary(call: ToolCall, limit: int = 500) -> str:
    """What the approver reads: the command line, the file, or the tool's input."""
    for key in ("command", "file_path", "path", "url"):
        value = call.tool_input.get(key)
        if isinstance(value, str):
            return value[:limit]
    return json.dumps(dict(call.tool_input), ensure_ascii=False, default=str)[:limit]
