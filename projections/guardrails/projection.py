"""The guardrails projection: policy, intervention and decision events in, row operations out.

Operations are applied in order (rules are an ordered list), so they stay a list rather than
merged changes. Every operation is written so that applying a batch twice is impossible (the
position guard) and applying batches in any split gives the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from domain.guardrails.interventions import Intervention
from domain.guardrails.policy import GuardrailPolicy
from domain.sessions.aggregate import AgentSession

NAME = "guardrails"

PositionedEvent = tuple[int, object]


@dataclass
class GuardrailChanges:
    ops: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class GuardrailsProjection:
    def changes(self, events: Iterable[PositionedEvent]) -> GuardrailChanges:
        out = GuardrailChanges()
        for position, event in events:
            op = self._op(position, event)
            if op is not None:
                out.ops.append(op)
        return out

    def _op(self, position: int, event: Any) -> tuple[str, dict[str, Any]] | None:
        if isinstance(event, AgentSession.ToolCallDecided):
            return "decision", {
                "tenant_id": event.tenant_id, "position": position,
                "session_id": event.session_id, "hook": event.hook,
                "tool_name": event.tool_name, "tool_use_id": event.tool_use_id,
                "agent_id": event.agent_id, "decision": event.decision,
                "rule_id": event.rule_id, "policy_version": event.policy_version,
                "message": event.message, "latency_ms": event.latency_ms,
                "shadow": json.dumps(event.shadow), "intervention": event.intervention,
                "decided_at": event.timestamp,
            }  # fmt: skip
        if isinstance(event, (Intervention.Imposed, Intervention.Lifted)):
            imposed = isinstance(event, Intervention.Imposed)
            return ("imposed" if imposed else "lifted"), {
                "tenant_id": event.tenant_id, "kind": event.kind, "target_id": event.target_id,
                "mode": getattr(event, "mode", None), "reason": event.reason, "by": event.by,
                "at": event.timestamp, "position": position,
            }  # fmt: skip
        change = _POLICY_CHANGES.get(type(event))
        if change is None:
            return None
        rules = event.rules if isinstance(event, GuardrailPolicy.Created) else None
        rule = getattr(event, "rule", None)
        return "policy", {
            "tenant_id": event.tenant_id, "version": event.originator_version,
            "position": position, "change": change,
            "rule_id": rule["id"] if rule else getattr(event, "rule_id", None),
            "rule": rule, "rules": rules, "mode": getattr(event, "mode", None),
            "by": event.by, "at": event.timestamp,
        }  # fmt: skip


_POLICY_CHANGES: dict[type, str] = {
    GuardrailPolicy.Created: "created",
    GuardrailPolicy.RuleAdded: "added",
    GuardrailPolicy.RuleChanged: "changed",
    GuardrailPolicy.RuleRemoved: "removed",
    GuardrailPolicy.RuleModeSet: "mode",
}
