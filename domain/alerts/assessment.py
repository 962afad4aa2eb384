"""The ``Assessment`` aggregate: every score the models gave one session, in order.

One stream per (tenant, session), so assessments of a session are serialised: two scorers
assessing the same session at once cannot both raise the same alert (the second save
conflicts and is retried on fresh state, where it sees the open alert).

Assessments are events of this aggregate, not of the ``Alert``: most scores raise nothing,
and a session's scores belong together whatever alerts they led to. An assessment that raised
an alert names it (``alert_id``), and the alert names its source assessment back.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.alerts.errors import AssessmentInvalidError
from domain.alerts.values import FeatureContribution, Severity
from domain.ml.values import MODEL_KINDS

_NAMESPACE = uuid5(NAMESPACE_URL, "https://observatory.dev/streams/assessment")


def assessment_id(tenant_id: str, session_id: str) -> UUID:
    return uuid5(_NAMESPACE, f"{tenant_id}/{session_id}")


def alert_key(model_kind: str, severity: Severity | str) -> str:
    """What makes two alerts "the same": one session, one kind of model, one severity."""
    return f"{model_kind}/{Severity(severity).value}"


class Assessment(Aggregate):
    """Invariant: each alert key maps to the last alert its assessments raised."""

    class Opened(Aggregate.Created):
        tenant_id: str
        session_id: str

    class Scored(Aggregate.Event):
        """Base of the three assessments; not triggered itself."""

        tenant_id: str
        session_id: str
        agent: str | None
        score: float
        model_kind: str
        model_version_id: str
        top_features: list[dict[str, Any]]
        at_position: int
        """The global position of the last session event the score covers."""
        severity: str | None
        """The severity the score reached (None: below every threshold, or shadow model)."""
        alert_id: str | None
        """The alert this assessment raised (None: none, or one was already open)."""

        def apply(self, aggregate: Assessment) -> None:
            if self.alert_id is not None and self.severity is not None:
                aggregate.alerts[alert_key(self.model_kind, self.severity)] = self.alert_id

    class AnomalyDetected(Scored):
        """An anomaly model scored the session (higher = more unusual)."""

    class FailurePredicted(Scored):
        """A failure model scored the session (higher = more likely to fail soon)."""

    class BurnRateForecast(Scored):
        """A burn-rate model scored the session (higher = sooner out of budget)."""

    @staticmethod
    def create_id(tenant_id: str, session_id: str) -> UUID:
        return assessment_id(tenant_id, session_id)

    def __init__(self, tenant_id: str, session_id: str) -> None:
        self.tenant_id, self.session_id = tenant_id, session_id
        self.alerts: dict[str, str] = {}

    def alert_for(self, model_kind: str, severity: Severity) -> UUID | None:
        """The last alert raised for this key (open or not: ask the alert)."""
        found = self.alerts.get(alert_key(model_kind, severity))
        return UUID(found) if found else None

    def record(self, *, agent: str | None, score: float, model_kind: str,
               model_version_id: UUID, top_features: list[FeatureContribution],
               at_position: int, severity: Severity | None,
               alert_id: UUID | None) -> None:  # fmt: skip
        if model_kind not in MODEL_KINDS:
            raise AssessmentInvalidError([f"model_kind: one of {', '.join(MODEL_KINDS)}"])
        if alert_id is not None and severity is None:
            raise AssessmentInvalidError(["an assessment below every threshold raises no alert"])
        self.trigger_event(
            _EVENTS[model_kind], tenant_id=self.tenant_id, session_id=self.session_id,
            agent=agent, score=float(score), model_kind=model_kind,
            model_version_id=str(model_version_id),
            top_features=[f.as_data() for f in top_features], at_position=int(at_position),
            severity=severity.value if severity else None,
            alert_id=str(alert_id) if alert_id else None,
        )  # fmt: skip


_EVENTS: dict[str, type[Assessment.Scored]] = {
    "anomaly": Assessment.AnomalyDetected,
    "failure": Assessment.FailurePredicted,
    "burn_rate": Assessment.BurnRateForecast,
}
