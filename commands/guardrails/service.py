"""The PolicyDesk: commands that change a tenant's guardrails. One method per command.

Each command loads the aggregate, acts, saves, and answers the global position of what it
recorded (so callers can wait for read models and API replicas to catch up) and, for policy
changes, the new policy version. A lost race with another operator is retried on fresh state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from commands.store.application import EventStoreApplication
from commands.store.following import announce
from domain.guardrails.defaults import default_rules
from domain.guardrails.interventions import TARGET_KINDS, Intervention, intervention_id
from domain.guardrails.policy import GuardrailPolicy, policy_id
from domain.guardrails.rules import parse_rule
from domain.guardrails.values import Decision, Mode

NOTIFY_CHANNEL = "observatory_guardrails"
"""API processes LISTEN here to pick up policy changes at once."""

A = TypeVar("A", GuardrailPolicy, Intervention)


@dataclass(frozen=True)
class Change:
    position: int
    """Global position of the last event the command recorded."""
    version: int | None = None
    """The policy version after a policy change."""


class PolicyDesk(EventStoreApplication):
    def add_rule(self, tenant_id: str, definition: Mapping[str, Any], by: str) -> Change:
        rule = parse_rule(definition)
        return self._on_policy(tenant_id, by, lambda policy: policy.add(rule, by))

    def change_rule(self, tenant_id: str, definition: Mapping[str, Any], by: str) -> Change:
        rule = parse_rule(definition)
        return self._on_policy(tenant_id, by, lambda policy: policy.change(rule, by))

    def remove_rule(self, tenant_id: str, rule_id: str, by: str) -> Change:
        return self._on_policy(tenant_id, by, lambda policy: policy.remove(rule_id, by))

    def set_mode(self, tenant_id: str, rule_id: str, mode: Mode, by: str) -> Change:
        return self._on_policy(tenant_id, by, lambda policy: policy.set_mode(rule_id, mode, by))

    def quarantine(
        self, tenant_id: str, kind: str, target_id: str, mode: Decision, reason: str, by: str
    ) -> Change:
        if kind not in TARGET_KINDS:
            raise ValueError(f"kind must be one of {', '.join(TARGET_KINDS)}")
        if mode is Decision.ALLOW:
            raise ValueError("a quarantine answers ask, deny or approve")
        return self._on_intervention(
            tenant_id, kind, target_id, lambda item: item.impose(mode, reason, by)
        )

    def release(self, tenant_id: str, kind: str, target_id: str, reason: str, by: str) -> Change:
        return self._on_intervention(tenant_id, kind, target_id, lambda item: item.lift(reason, by))

    def _on_policy(self, tenant_id: str, by: str, act: Callable[[GuardrailPolicy], None]) -> Change:
        def load() -> GuardrailPolicy:
            try:
                policy: GuardrailPolicy = self.repository.get(policy_id(tenant_id))
            except AggregateNotFoundError:
                policy = GuardrailPolicy.start(tenant_id, default_rules(), by)
            return policy

        policy, position = self._retrying(load, act)
        return Change(position, policy.version)

    def _on_intervention(
        self, tenant_id: str, kind: str, target_id: str, act: Callable[[Intervention], None]
    ) -> Change:
        def load() -> Intervention:
            try:
                item: Intervention = self.repository.get(
                    intervention_id(tenant_id, kind, target_id)
                )
            except AggregateNotFoundError:
                item = Intervention(tenant_id=tenant_id, kind=kind, target_id=target_id)
            return item

        _, position = self._retrying(load, act)
        return Change(position)

    def _retrying(self, load: Callable[[], A], act: Callable[[A], None]) -> tuple[A, int]:
        for attempt in range(3):
            aggregate = load()
            act(aggregate)
            try:
                recordings = self.save(aggregate)
            except IntegrityError:
                if attempt == 2:
                    raise
                continue
            announce(self, NOTIFY_CHANNEL, recordings[-1].notification.id)
            return aggregate, recordings[-1].notification.id
        raise AssertionError("unreachable")
