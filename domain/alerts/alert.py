"""The ``Alert`` aggregate: raised by an assessment (or by the pipeline, when a read model
parks an event it cannot store), acknowledged and resolved by operators.

Invariants: an alert is raised once (its id derives from the assessment that raised it, or
from the projection and the parked event, so a retried command cannot raise it twice); a
resolved alert cannot be acknowledged, escalated or resolved again (resolution is final); an
alert is acknowledged at most once and escalated at most once. "Open" means raised or
acknowledged, not resolved.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.alerts.errors import AlertAcknowledgedError, AlertResolvedError
from domain.alerts.values import AlertStatus, Severity

_NAMESPACE = uuid5(NAMESPACE_URL, "https://observatory.dev/streams/alert")


PIPELINE = "pipeline"
"""``model_kind`` of an alert raised by the pipeline itself (a read model parked an event),
not by a model: its ``assessment_id``/``assessment_version`` name the parked event."""

BUDGET_FORECAST = "budget_exhaustion_forecast"
"""``model_kind`` of an alert raised because a budget will be spent before its window ends;
its ``assessment_id`` is ``budget_forecast_id`` of the budget's owner and window."""

NO_MODEL = UUID(int=0)
"""``model_version_id`` of a pipeline alert."""


def alert_id(assessment_id: UUID, assessment_version: int) -> UUID:
    """The alert raised by one assessment event (at most one per assessment)."""
    return uuid5(_NAMESPACE, f"{assessment_id}/{assessment_version}")


def budget_forecast_id(tenant_id: str, rule_id: str, owner: str, window: str) -> UUID:
    """One budget rule's owner (``team:payments``) in one window (``2026-12-04``)."""
    return uuid5(_NAMESPACE, f"budget/{tenant_id}/{rule_id}/{owner}/{window}")


class Alert(Aggregate):
    class Raised(Aggregate.Created):
        tenant_id: str
        session_id: str
        agent: str | None
        severity: str
        reason: str
        score: float
        model_kind: str
        model_version_id: str
        assessment_id: str
        assessment_version: int
        """The source: the assessment event (stream and version) that crossed a threshold."""
        by: str

    class Acknowledged(Aggregate.Event):
        tenant_id: str
        by: str
        note: str

        def apply(self, aggregate: Alert) -> None:
            aggregate.status = AlertStatus.ACKNOWLEDGED.value

    class Resolved(Aggregate.Event):
        tenant_id: str
        by: str
        note: str

        def apply(self, aggregate: Alert) -> None:
            aggregate.status = AlertStatus.RESOLVED.value

    class Escalated(Aggregate.Event):
        """A policy acted on the alert (``action``: ``quarantine``)."""

        tenant_id: str
        session_id: str
        action: str
        detail: str
        by: str

        def apply(self, aggregate: Alert) -> None:
            aggregate.escalated = True

    def __init__(self, tenant_id: str, session_id: str, agent: str | None, severity: str,
                 reason: str, score: float, model_kind: str, model_version_id: str,
                 assessment_id: str, assessment_version: int, by: str) -> None:  # fmt: skip
        self.tenant_id, self.session_id, self.agent = tenant_id, session_id, agent
        self.severity, self.reason, self.score = severity, reason, score
        self.model_kind, self.model_version_id = model_kind, model_version_id
        self.assessment_id, self.assessment_version = assessment_id, assessment_version
        self.status = AlertStatus.RAISED.value
        self.escalated = False

    @classmethod
    def raise_for(cls, *, tenant_id: str, session_id: str, agent: str | None,
                  severity: Severity, reason: str, score: float, model_kind: str,
                  model_version_id: UUID, assessment_id: UUID, assessment_version: int,
                  by: str) -> Alert:  # fmt: skip
        return cls._create(
            cls.Raised, id=alert_id(assessment_id, assessment_version), tenant_id=tenant_id,
            session_id=session_id, agent=agent, severity=severity.value, reason=reason,
            score=float(score), model_kind=model_kind, model_version_id=str(model_version_id),
            assessment_id=str(assessment_id), assessment_version=assessment_version, by=by,
        )  # fmt: skip

    @classmethod
    def raise_for_parked_event(cls, *, tenant_id: str, session_id: str | None,
                               projection: str, position: int, event_type: str,
                               stream_id: UUID, stream_version: int, error: str,
                               by: str) -> Alert:  # fmt: skip
        """A read model could not store one event and skipped it (one alert per projection
        and event: raising it again is refused as a duplicate)."""
        reason = (
            f"The {projection} read model could not store the event at position {position} "
            f"({event_type}) and skipped it: {error}. Other events go on. Fix the cause, then "
            f"run `observatory projections rebuild {projection}` to replay it."
        )
        return cls._create(
            cls.Raised, id=uuid5(_NAMESPACE, f"parked/{projection}/{stream_id}/{stream_version}"),
            tenant_id=tenant_id, session_id=session_id or "", agent=None,
            severity=Severity.WARNING.value, reason=reason, score=0.0, model_kind=PIPELINE,
            model_version_id=str(NO_MODEL), assessment_id=str(stream_id),
            assessment_version=stream_version, by=by,
        )  # fmt: skip

    @property
    def open(self) -> bool:
        return bool(self.status != AlertStatus.RESOLVED.value)

    def acknowledge(self, by: str, note: str) -> None:
        if not self.open:
            raise AlertResolvedError(self.id)
        if self.status == AlertStatus.ACKNOWLEDGED.value:
            raise AlertAcknowledgedError(self.id)
        self.trigger_event(self.Acknowledged, tenant_id=self.tenant_id, by=by, note=note)

    def resolve(self, by: str, note: str) -> None:
        if not self.open:
            raise AlertResolvedError(self.id)
        self.trigger_event(self.Resolved, tenant_id=self.tenant_id, by=by, note=note)

    def escalate(self, action: str, detail: str, by: str) -> None:
        """Records that a policy acted on the alert; a second escalation changes nothing."""
        if not self.open:
            raise AlertResolvedError(self.id)
        if self.escalated:
            return
        self.trigger_event(self.Escalated, tenant_id=self.tenant_id, session_id=self.session_id,
                           action=action, detail=detail, by=by)  # fmt: skip

    @classmethod
    def raise_for_budget_forecast(cls, *, tenant_id: str, session_id: str, rule_id: str,
                                  owner: str, window: str, reason: str, share: float,
                                  model_version_id: UUID, by: str) -> Alert:  # fmt: skip
        """A budget will be spent before its window ends (one alert per rule, owner and
        window: raising it again is refused as a duplicate). ``share`` is the part of the
        limit spent when forecast."""
        source = budget_forecast_id(tenant_id, rule_id, owner, window)
        return cls._create(
            cls.Raised, id=uuid5(_NAMESPACE, f"forecast/{source}"), tenant_id=tenant_id,
            session_id=session_id, agent=None, severity=Severity.WARNING.value, reason=reason,
            score=float(share), model_kind=BUDGET_FORECAST,
            model_version_id=str(model_version_id), assessment_id=str(source),
            assessment_version=0, by=by,
        )  # fmt: skip
