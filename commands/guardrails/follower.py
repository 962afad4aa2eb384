"""The guardrail state each API process decides with, kept current from the event log.

Decisions must take microseconds, so every API process holds the policies and active
quarantines of every tenant in memory, as one immutable ``GuardState`` swapped atomically
(see ``commands.store.following`` for how it follows the log; the PolicyDesk notifies
``observatory_guardrails`` after each change). ``GuardState.position`` says how far this
replica has read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.utils import get_topic

from commands.guardrails.service import NOTIFY_CHANNEL
from commands.store.application import EventStoreApplication
from commands.store.following import LogFollower
from domain.guardrails.defaults import DEFAULT_RULES
from domain.guardrails.interventions import Intervention
from domain.guardrails.policy import GuardrailPolicy
from domain.guardrails.rules import Quarantine, Rule, ordered, parse_rule
from domain.guardrails.values import Decision

POLICY_EVENTS = (
    GuardrailPolicy.Created,
    GuardrailPolicy.RuleAdded,
    GuardrailPolicy.RuleChanged,
    GuardrailPolicy.RuleRemoved,
    GuardrailPolicy.RuleModeSet,
)
INTERVENTION_EVENTS = (Intervention.Imposed, Intervention.Lifted)
TOPICS = [get_topic(cls) for cls in (*POLICY_EVENTS, *INTERVENTION_EVENTS)]


@dataclass(frozen=True)
class TenantGuard:
    """One tenant's policy (rules in evaluation order) and active quarantines."""

    version: int
    rules: tuple[Rule, ...]
    quarantines: Mapping[str, Quarantine] = field(default_factory=dict)
    budgeted: bool = False
    """Some rule is a budget rule (only then does a decision ask the spend ledger)."""

    def quarantines_for(self, session_id: str, agent_id: str | None) -> list[Quarantine]:
        targets = [f"session:{session_id}"] + ([f"agent:{agent_id}"] if agent_id else [])
        return [self.quarantines[t] for t in targets if t in self.quarantines]


def _defaults() -> TenantGuard:
    return TenantGuard(0, tuple(ordered(parse_rule(r) for r in DEFAULT_RULES)))


@dataclass(frozen=True)
class GuardState:
    position: int
    tenants: Mapping[str, TenantGuard]
    defaults: TenantGuard

    def for_tenant(self, tenant_id: str) -> TenantGuard:
        return self.tenants.get(tenant_id, self.defaults)


class PolicyFollower(LogFollower):
    topics = TOPICS
    channel = NOTIFY_CHANNEL

    def __init__(self, store: EventStoreApplication) -> None:
        super().__init__(store)
        self._state = GuardState(0, {}, _defaults())
        self._rules: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        self._quarantines: dict[str, dict[str, Quarantine]] = {}

    @property
    def state(self) -> GuardState:
        return self._state

    def _publish(self, head: int, applied: list[Any]) -> None:
        tenants = dict(self._state.tenants)
        for tenant in {str(event.tenant_id) for event in applied}:
            version, rules = self._rules.get(tenant, (0, list(DEFAULT_RULES)))
            parsed = tuple(ordered(parse_rule(r) for r in rules))
            tenants[tenant] = TenantGuard(
                version, parsed, dict(self._quarantines.get(tenant, {})),
                any(rule.budget is not None for rule in parsed),
            )  # fmt: skip
        self._state = GuardState(head, tenants, self._state.defaults)

    def _apply(self, event: Any) -> None:
        tenant = event.tenant_id
        if isinstance(event, INTERVENTION_EVENTS):
            active = self._quarantines.setdefault(tenant, {})
            target = f"{event.kind}:{event.target_id}"
            if isinstance(event, Intervention.Imposed):
                active[target] = Quarantine(target, Decision(event.mode), event.reason)
            else:
                active.pop(target, None)
            return
        _, rules = self._rules.get(tenant, (0, []))
        rules = [dict(r) for r in rules]
        if isinstance(event, GuardrailPolicy.Created):
            rules = [dict(r) for r in event.rules]
        elif isinstance(event, GuardrailPolicy.RuleAdded):
            rules.append(dict(event.rule))
        elif isinstance(event, GuardrailPolicy.RuleChanged):
            rules = [dict(event.rule) if r["id"] == event.rule["id"] else r for r in rules]
        elif isinstance(event, GuardrailPolicy.RuleRemoved):
            rules = [r for r in rules if r["id"] != event.rule_id]
        elif isinstance(event, GuardrailPolicy.RuleModeSet):
            rules = [{**r, "mode": event.mode} if r["id"] == event.rule_id else r for r in rules]
        self._rules[tenant] = (event.originator_version, rules)
