"""Commands in, audit-log rows out: one row per command event, whatever its aggregate.

Each command is already an event that names who issued it (``by``, ``erased_by`` or
``actor``); this projection only lines them up per tenant in log order. Hooks (what agents
did) are not commands and stay out: the session timeline shows them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from domain.access.actions import AuditedAction
from domain.access.api_keys import ApiKey
from domain.alerts.alert import Alert
from domain.guardrails.interventions import Intervention
from domain.guardrails.policy import GuardrailPolicy
from domain.ml.model_version import ModelVersion
from domain.sessions.aggregate import AgentSession

NAME = "audit_log"


@dataclass
class AuditRows:
    rows: list[dict[str, Any]] = field(default_factory=list)


def _row(position: int, event: Any, actor: str, action: str, target: str,
         detail: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    return {"tenant_id": event.tenant_id, "position": position, "at": event.timestamp,
            "actor": actor, "action": action, "target": target, "detail": detail}  # fmt: skip


_POLICY_ACTIONS = {
    "Created": "policy.created", "RuleAdded": "rule.added", "RuleChanged": "rule.changed",
    "RuleRemoved": "rule.removed", "RuleModeSet": "rule.mode_set",
}  # fmt: skip


def _policy(position: int, event: Any) -> dict[str, Any]:
    rule = getattr(event, "rule", None)
    rule_id = rule["id"] if rule else getattr(event, "rule_id", "")
    action = _POLICY_ACTIONS[type(event).__name__]
    detail: dict[str, Any] = {"policy_version": event.originator_version}
    if rule:
        detail["rule"] = rule
    if hasattr(event, "mode"):
        detail["mode"] = event.mode
    return _row(position, event, event.by, action, rule_id or "policy", detail)


class AuditLogProjection:
    def changes(self, events: Iterable[tuple[int, object]]) -> AuditRows:
        out = AuditRows()
        for position, event in events:
            row = self._row(position, event)
            if row is not None:
                out.rows.append(row)
        return out

    @staticmethod
    def _row(position: int, event: Any) -> dict[str, Any] | None:
        if isinstance(event, AuditedAction.Recorded):
            return _row(position, event, event.actor, event.action, event.target, event.detail)
        if isinstance(event, ApiKey.Issued):
            detail = {"name": event.name, "role": event.role, "replaces": event.replaces}
            return _row(position, event, event.by, "key.issued", event.key_id, detail)
        if isinstance(event, ApiKey.Revoked):
            return _row(position, event, event.by, "key.revoked", event.key_id,
                        {"reason": event.reason})  # fmt: skip
        if isinstance(event, AgentSession.Erased):
            return _row(position, event, event.erased_by, "session.erased", event.session_id,
                        {"reason": event.reason})  # fmt: skip
        if isinstance(event, AgentSession.ApprovalAnswered):
            granted = isinstance(event, AgentSession.ApprovalGranted)
            return _row(position, event, event.by,
                        "approval.granted" if granted else "approval.denied", event.request_id,
                        {"session_id": event.session_id, "rule_id": event.rule_id,
                         "reason": event.reason})  # fmt: skip
        if isinstance(event, Intervention.Imposed):
            return _row(position, event, event.by, "quarantine.imposed",
                        f"{event.kind}:{event.target_id}",
                        {"reason": event.reason, "mode": event.mode})  # fmt: skip
        if isinstance(event, Intervention.Lifted):
            return _row(position, event, event.by, "quarantine.lifted",
                        f"{event.kind}:{event.target_id}", {"reason": event.reason})  # fmt: skip
        if isinstance(event, GuardrailPolicy.Event) and hasattr(event, "by"):
            return _policy(position, event)
        return _ml_row(position, event)


def _ml_row(position: int, event: Any) -> dict[str, Any] | None:
    """Alerts (raised by a scorer, acted on by operators and policies) and model versions."""
    target = str(event.originator_id)
    if isinstance(event, Alert.Raised):
        return _row(position, event, event.by, "alert.raised", target,
                    {"session_id": event.session_id, "severity": event.severity,
                     "model_kind": event.model_kind})  # fmt: skip
    if isinstance(event, (Alert.Acknowledged, Alert.Resolved)):
        action = "alert.acknowledged" if isinstance(event, Alert.Acknowledged) else "alert.resolved"
        return _row(position, event, event.by, action, target, {"note": event.note})
    if isinstance(event, Alert.Escalated):
        return _row(position, event, event.by, "alert.escalated", target,
                    {"action": event.action, "detail": event.detail})  # fmt: skip
    if isinstance(event, ModelVersion.Trained):
        return _row(position, event, event.trained_by, "model.trained", target,
                    {"kind": event.kind, "label": event.label,
                     "artifact_sha256": event.artifact_sha256})  # fmt: skip
    if isinstance(event, ModelVersion.Promoted):
        return _row(position, event, event.by, "model.promoted", target,
                    {"replaces": event.replaces})  # fmt: skip
    if isinstance(event, ModelVersion.Retired):
        return _row(position, event, event.by, "model.retired", target, {"reason": event.reason})
    return None
