"""Rules on a PreToolUse or PermissionRequest hook, against this process's guard state."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from commands.guardrails.budgets import SpendLedger
from commands.guardrails.follower import PolicyFollower
from domain.guardrails.rules import evaluate
from domain.guardrails.values import ToolCall
from domain.sessions.hooks import HookFacts
from domain.sessions.ruling import Ruling

DECIDED_HOOKS = frozenset({"PreToolUse", "PermissionRequest"})


class Decider:
    """Judges with the policy follower's rules and, for budget rules, the spend ledger's sums
    (without a ledger, budget rules never match)."""

    def __init__(self, follower: PolicyFollower, ledger: SpendLedger | None = None) -> None:
        self.follower = follower
        self.ledger = ledger

    def rule(
        self, tenant_id: str, facts: HookFacts, payload: Mapping[str, Any], started: float
    ) -> Ruling | None:
        """The ruling for a hook that asks for one (None for every other hook).

        ``started`` is ``time.perf_counter()`` when the request arrived: the recorded latency
        covers parsing, checking and deciding.
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
        )
