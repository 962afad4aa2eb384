"""The ``GuardrailPolicy`` aggregate: one per tenant; every change is a new policy version.

The policy version is the aggregate's version. A tenant that never changed anything runs the
default rules as version 0; its first change creates the stream with the defaults (version 1)
and applies the change on top (version 2). Rules travel in events as plain data (validated
before they get there), so any reader can rebuild them with ``parse_rule``.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.guardrails.errors import RuleExistsError, RuleNotFoundError
from domain.guardrails.rules import Rule, parse_rule
from domain.guardrails.values import Mode

_NAMESPACE = uuid5(NAMESPACE_URL, "https://observatory.dev/streams/guardrail-policy")


def policy_id(tenant_id: str) -> UUID:
    return uuid5(_NAMESPACE, tenant_id)


class GuardrailPolicy(Aggregate):
    """Rules of one tenant. Invariant: rule ids are unique."""

    class Created(Aggregate.Created):
        tenant_id: str
        rules: list[dict[str, Any]]
        by: str

    class RuleAdded(Aggregate.Event):
        tenant_id: str
        rule: dict[str, Any]
        by: str

        def apply(self, aggregate: GuardrailPolicy) -> None:
            aggregate.rules.append(self.rule)

    class RuleChanged(Aggregate.Event):
        tenant_id: str
        rule: dict[str, Any]
        by: str

        def apply(self, aggregate: GuardrailPolicy) -> None:
            aggregate.rules[aggregate.index(self.rule["id"])] = self.rule

    class RuleRemoved(Aggregate.Event):
        tenant_id: str
        rule_id: str
        by: str

        def apply(self, aggregate: GuardrailPolicy) -> None:
            del aggregate.rules[aggregate.index(self.rule_id)]

    class RuleModeSet(Aggregate.Event):
        tenant_id: str
        rule_id: str
        mode: str
        by: str

        def apply(self, aggregate: GuardrailPolicy) -> None:
            index = aggregate.index(self.rule_id)
            aggregate.rules[index] = {**aggregate.rules[index], "mode": self.mode}

    @staticmethod
    def create_id(tenant_id: str) -> UUID:
        return policy_id(tenant_id)

    def __init__(self, tenant_id: str, rules: list[dict[str, Any]], by: str) -> None:
        self.tenant_id = tenant_id
        self.rules: list[dict[str, Any]] = list(rules)

    @classmethod
    def start(cls, tenant_id: str, defaults: list[Rule], by: str) -> GuardrailPolicy:
        return cls._create(
            cls.Created, tenant_id=tenant_id, rules=[r.as_data() for r in defaults], by=by
        )

    def index(self, rule_id: str) -> int:
        for position, rule in enumerate(self.rules):
            if rule["id"] == rule_id:
                return position
        raise RuleNotFoundError(rule_id)

    def has(self, rule_id: str) -> bool:
        return any(rule["id"] == rule_id for rule in self.rules)

    def add(self, rule: Rule, by: str) -> None:
        if self.has(rule.id):
            raise RuleExistsError(rule.id)
        self.trigger_event(self.RuleAdded, tenant_id=self.tenant_id, rule=rule.as_data(), by=by)

    def change(self, rule: Rule, by: str) -> None:
        self.index(rule.id)
        self.trigger_event(self.RuleChanged, tenant_id=self.tenant_id, rule=rule.as_data(), by=by)

    def remove(self, rule_id: str, by: str) -> None:
        self.index(rule_id)
        self.trigger_event(self.RuleRemoved, tenant_id=self.tenant_id, rule_id=rule_id, by=by)

    def set_mode(self, rule_id: str, mode: Mode, by: str) -> None:
        self.index(rule_id)
        self.trigger_event(
            self.RuleModeSet, tenant_id=self.tenant_id, rule_id=rule_id, mode=mode.value, by=by
        )

    def current(self) -> list[Rule]:
        return [parse_rule(rule) for rule in self.rules]
