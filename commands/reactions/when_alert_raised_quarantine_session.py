"""Policy: a critical alert quarantines its session (``ask``, with the alert's reason).

It runs like a projection, on the projector machinery (``workers.projector``): the policy
(``WhenAlertRaisedQuarantineSession``) folds a batch of events into reactions, and
``QuarantineReactions`` carries them out and moves its own position (``infra.tracking``, name
``NAME``), one batch at a time, refusing a batch that does not start where it stands. One
runner leads (advisory lock), so reactions run in log order.

Exactly once in effect: each reaction first checks the alert. A resolved alert, or one already
escalated, is left alone; otherwise the session is quarantined through the PolicyDesk (the
same command as ``POST /v1/guardrails/quarantines``), unless it is quarantined already (an
operator's ``deny`` is never weakened to ``ask``), and then ``Alert.Escalated`` is recorded. A
crash between the two is harmless: the replayed reaction finds the quarantine active and only
records the escalation. So a rebuild (position back to 0) replays without side effects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.application import AggregateNotFoundError

from commands.alerts.messages import EscalateAlert
from commands.alerts.service import AlertDesk
from commands.guardrails.service import PolicyDesk
from domain.alerts.alert import Alert
from domain.alerts.values import Severity
from domain.guardrails.interventions import Intervention, intervention_id
from domain.guardrails.values import Decision
from infra import tracking

NAME = "when_alert_raised_quarantine_session"
BY = f"policy:{NAME}"
ACTION = "quarantine"


@dataclass(frozen=True)
class Reaction:
    position: int
    tenant_id: str
    alert_id: UUID
    session_id: str
    reason: str


class WhenAlertRaisedQuarantineSession:
    """Events in, reactions out: one per critical ``Alert.Raised`` (pure)."""

    def changes(self, events: Iterable[tuple[int, object]]) -> list[Reaction]:
        return [
            Reaction(position, event.tenant_id, event.originator_id, event.session_id, event.reason)
            for position, event in events
            if isinstance(event, Alert.Raised) and event.severity == Severity.CRITICAL.value
        ]


class QuarantineReactions(tracking.Tracked):
    """Carries out reactions and tracks the policy's position (a projector "view");
    ``reset`` replays from the start, which acts on nothing already escalated or resolved."""

    def __init__(
        self, conn: psycopg.Connection[Any], alerts: AlertDesk, guardrails: PolicyDesk
    ) -> None:
        self._alerts, self._guardrails = alerts, guardrails
        super().__init__(conn, NAME)

    def apply(self, reactions: list[Reaction], start: int, end: int) -> None:
        with self.batch(start, end):
            for reaction in reactions:
                self.react(reaction)

    def react(self, reaction: Reaction) -> None:
        alert = self._alerts.alert(reaction.tenant_id, reaction.alert_id)
        if not alert.open or alert.escalated:
            return
        if self._quarantined(reaction.tenant_id, reaction.session_id):
            detail = "the session was already quarantined"
        else:
            change = self._guardrails.quarantine(
                reaction.tenant_id,
                "session",
                reaction.session_id,
                Decision.ASK,
                reaction.reason,
                BY,
            )
            detail = f"session quarantined (ask) at position {change.position}"
        self._alerts.escalate_alert(
            EscalateAlert(reaction.tenant_id, reaction.alert_id, ACTION, detail, BY)
        )

    def _quarantined(self, tenant_id: str, session_id: str) -> bool:
        try:
            item: Intervention = self._guardrails.repository.get(
                intervention_id(tenant_id, "session", session_id)
            )
        except AggregateNotFoundError:
            return False
        return bool(item.active)

    def close(self) -> None:
        self._alerts.close()
        self._guardrails.close()
