"""The guardrail state each API process decides with, kept current from the event log.

Decisions must take microseconds, so every API process holds the policies and active
quarantines of every tenant in memory, as one immutable ``GuardState`` swapped atomically.
A background thread follows the log: it reads only policy and intervention events, from its
position up to the head it saw (so it never rescans the hooks in between), and wakes on the
``observatory_guardrails`` notification the PolicyDesk sends after each change, with a timed
poll as fallback. Every API replica converges on the same state; ``GuardState.position``
says how far each one has read.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from eventsourcing.utils import get_topic

from commands.guardrails.service import NOTIFY_CHANNEL
from commands.store.application import EventStoreApplication
from domain.guardrails.defaults import DEFAULT_RULES
from domain.guardrails.interventions import Intervention
from domain.guardrails.policy import GuardrailPolicy
from domain.guardrails.rules import Quarantine, Rule, ordered, parse_rule
from domain.guardrails.values import Decision

log = logging.getLogger(__name__)

POLICY_EVENTS = (
    GuardrailPolicy.Created,
    GuardrailPolicy.RuleAdded,
    GuardrailPolicy.RuleChanged,
    GuardrailPolicy.RuleRemoved,
    GuardrailPolicy.RuleModeSet,
)
INTERVENTION_EVENTS = (Intervention.Imposed, Intervention.Lifted)
TOPICS = [get_topic(cls) for cls in (*POLICY_EVENTS, *INTERVENTION_EVENTS)]
PAGE = 500


@dataclass(frozen=True)
class TenantGuard:
    """One tenant's policy (rules in evaluation order) and active quarantines."""

    version: int
    rules: tuple[Rule, ...]
    quarantines: Mapping[str, Quarantine] = field(default_factory=dict)

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


class PolicyFollower:
    def __init__(self, store: EventStoreApplication) -> None:
        self._store = store
        defaults = _defaults()
        self._state = GuardState(0, {}, defaults)
        self._rules: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        self._quarantines: dict[str, dict[str, Quarantine]] = {}
        self._lock = threading.Lock()

    @property
    def state(self) -> GuardState:
        return self._state

    def catch_up(self) -> int:
        """Reads new policy and intervention events; returns the position reached."""
        with self._lock:
            head = int(self._store.recorder.max_notification_id() or 0)
            start = self._state.position
            if head <= start:
                return start
            touched: set[str] = set()
            while True:
                page = self._store.recorder.select_notifications(
                    start=start, limit=PAGE, stop=head, topics=TOPICS, inclusive_of_start=False
                )
                for notification in page:
                    touched.add(self._apply(self._store.mapper.to_domain_event(notification)))
                if len(page) < PAGE:
                    break
                start = page[-1].id
            tenants = dict(self._state.tenants)
            for tenant in touched:
                version, rules = self._rules.get(tenant, (0, list(DEFAULT_RULES)))
                tenants[tenant] = TenantGuard(
                    version,
                    tuple(ordered(parse_rule(r) for r in rules)),
                    dict(self._quarantines.get(tenant, {})),
                )
            self._state = GuardState(head, tenants, self._state.defaults)
            return head

    def _apply(self, event: Any) -> str:
        tenant = event.tenant_id
        if isinstance(event, INTERVENTION_EVENTS):
            active = self._quarantines.setdefault(tenant, {})
            target = f"{event.kind}:{event.target_id}"
            if isinstance(event, Intervention.Imposed):
                active[target] = Quarantine(target, Decision(event.mode), event.reason)
            else:
                active.pop(target, None)
            return str(tenant)
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
        return str(tenant)

    def follow(
        self, conninfo: str | None, stop: threading.Event, poll_seconds: float = 1.0
    ) -> None:
        """Keeps the state current until ``stop`` is set (LISTEN wake-ups, timed polls)."""
        listener: psycopg.Connection[Any] | None = None
        while not stop.is_set():
            try:
                if listener is None and conninfo is not None:
                    listener = psycopg.connect(conninfo, autocommit=True)
                    listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
                self.catch_up()
                if listener is None:
                    stop.wait(poll_seconds)
                else:
                    for _ in listener.notifies(timeout=poll_seconds, stop_after=1):
                        pass
            except Exception:
                log.warning("guardrail follower: cannot read the log; retrying", exc_info=True)
                if listener is not None:
                    with contextlib.suppress(Exception):
                        listener.close()
                    listener = None
                stop.wait(poll_seconds)
        if listener is not None:
            listener.close()
