"""The AlertDesk: assessments in, alerts out; operators acknowledge and resolve. One method
per command.

``record_assessment`` records the score as an event of the session's ``Assessment`` and, when
the score reaches a severity of the model version's thresholds, raises an ``Alert`` in the
same atomic save, unless an alert for the same session, model kind and severity is still open
(then the assessment is recorded and nothing else: no second page for the same trouble).
Only promoted versions raise alerts; a version merely trained scores in the shadows.

Every command answers the global position of what it recorded (for read-your-writes waits).
A lost race (another scorer, another operator) is retried on fresh state.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from commands.alerts.messages import (
    MAX_NOTE_CHARS,
    AcknowledgeAlert,
    EscalateAlert,
    ForecastBudgetExhaustion,
    RecordAssessment,
    ReportParkedEvent,
    ResolveAlert,
)
from commands.store.application import EventStoreApplication
from domain.alerts.alert import Alert
from domain.alerts.assessment import Assessment, assessment_id
from domain.alerts.errors import (
    AlertAcknowledgedError,
    AlertNotFoundError,
    AlertResolvedError,
    AssessmentInvalidError,
)
from domain.alerts.thresholds import Thresholds
from domain.alerts.values import FeatureContribution, Severity, parse_features
from domain.ml.errors import ModelVersionNotFoundError
from domain.ml.model_version import ModelVersion


@dataclass(frozen=True)
class Assessed:
    position: int
    """Global position of the last event the command recorded."""
    severity: Severity | None = None
    """The severity the score reached (None: none, or the version is not promoted)."""
    alert_id: UUID | None = None
    """The alert raised now (None: none, or one was already open for the same trouble)."""


@dataclass(frozen=True)
class Done:
    position: int


class AlertDesk(EventStoreApplication):
    snapshotting_intervals = {Assessment: 100}

    def record_assessment(self, command: RecordAssessment) -> Assessed:
        if not math.isfinite(command.score):
            raise AssessmentInvalidError(["score: a finite number"])
        features = parse_features(list(command.top_features))
        version = self.model_version(command.tenant_id, command.model_version_id)
        thresholds = Thresholds.from_metadata(version.metrics)
        severity = thresholds.severity_of(command.score) if version.promoted else None
        for attempt in range(3):
            assessment = self._assessment(command.tenant_id, command.session_id)
            alert = None
            if severity is not None and not self._open(assessment, version.kind, severity):
                alert = Alert.raise_for(
                    tenant_id=command.tenant_id, session_id=command.session_id,
                    agent=command.agent, severity=severity,
                    reason=_reason(version, command.score, severity, thresholds, features),
                    score=command.score, model_kind=version.kind, model_version_id=version.id,
                    assessment_id=assessment.id, assessment_version=assessment.version + 1,
                    by=command.by,
                )  # fmt: skip
            assessment.record(
                agent=command.agent, score=command.score, model_kind=version.kind,
                model_version_id=version.id, top_features=features,
                at_position=command.at_position, severity=severity,
                alert_id=alert.id if alert else None,
            )  # fmt: skip
            try:
                recordings = self.save(assessment, *([alert] if alert else []))
            except IntegrityError:
                if attempt == 2:
                    raise
                continue
            return Assessed(recordings[-1].notification.id, severity, alert.id if alert else None)
        raise AssertionError("unreachable")

    def report_parked_event(self, command: ReportParkedEvent) -> Done:
        """Raises the warning alert for a parked event, once (position 0: raised before)."""
        alert = Alert.raise_for_parked_event(
            tenant_id=command.tenant_id, session_id=command.session_id,
            projection=command.projection, position=command.position,
            event_type=command.event_type, stream_id=command.stream_id,
            stream_version=command.stream_version, error=command.error, by=command.by,
        )  # fmt: skip
        try:
            recordings = self.save(alert)
        except IntegrityError:
            return Done(0)
        return Done(recordings[-1].notification.id)

    def forecast_budget_exhaustion(self, command: ForecastBudgetExhaustion) -> Done:
        """Raises the budget forecast alert, once per rule, owner and window (position 0:
        raised before, by this worker, another one, or before a redelivery)."""
        alert = Alert.raise_for_budget_forecast(
            tenant_id=command.tenant_id, session_id=command.session_id,
            rule_id=command.rule_id, owner=command.owner, window=command.window,
            reason=command.reason, share=command.share,
            model_version_id=command.model_version_id, by=command.by,
        )  # fmt: skip
        try:
            recordings = self.save(alert)
        except IntegrityError:
            return Done(0)
        return Done(recordings[-1].notification.id)

    def acknowledge_alert(self, command: AcknowledgeAlert) -> Done:
        def act(alert: Alert) -> None:
            alert.acknowledge(command.by, command.note)

        return self._on_alert(command.tenant_id, command.alert_id, act)

    def resolve_alert(self, command: ResolveAlert) -> Done:
        def act(alert: Alert) -> None:
            alert.resolve(command.by, command.note)

        return self._on_alert(command.tenant_id, command.alert_id, act)

    def escalate_alert(self, command: EscalateAlert) -> Done:
        def act(alert: Alert) -> None:
            alert.escalate(command.action, command.detail, command.by)

        return self._on_alert(command.tenant_id, command.alert_id, act)

    def alert(self, tenant_id: str, alert_id: UUID) -> Alert:
        """One alert of the tenant's (AlertNotFoundError: none, or another tenant's)."""
        return self.owned(alert_id, Alert, tenant_id, AlertNotFoundError(alert_id))

    def model_version(self, tenant_id: str, version_id: UUID) -> ModelVersion:
        return self.owned(
            version_id, ModelVersion, tenant_id, ModelVersionNotFoundError(version_id)
        )

    def _assessment(self, tenant_id: str, session_id: str) -> Assessment:
        try:
            found: Assessment = self.repository.get(assessment_id(tenant_id, session_id))
        except AggregateNotFoundError:
            found = Assessment(tenant_id=tenant_id, session_id=session_id)
        return found

    def _open(self, assessment: Assessment, kind: str, severity: Severity) -> bool:
        previous = assessment.alert_for(kind, severity)
        if previous is None:
            return False
        try:
            return self.alert(assessment.tenant_id, previous).open
        except AlertNotFoundError:
            return False

    def _on_alert(self, tenant_id: str, alert_id: UUID, act: Callable[[Alert], None]) -> Done:
        for attempt in range(3):
            alert = self.alert(tenant_id, alert_id)
            act(alert)
            pending: list[Aggregate] = [alert]
            try:
                recordings = self.save(*pending)
            except IntegrityError:
                if attempt == 2:
                    raise
                continue
            return Done(recordings[-1].notification.id if recordings else 0)
        raise AssertionError("unreachable")


_KINDS = {"anomaly": "anomalous", "failure": "heading for failure",
          "burn_rate": "burning its budget fast"}  # fmt: skip


def _reason(version: ModelVersion, score: float, severity: Severity, thresholds: Thresholds,
            features: Sequence[FeatureContribution]) -> str:  # fmt: skip
    """What the operator (and, for a critical alert, the quarantined agent's user) reads."""
    kind = _KINDS.get(version.kind, version.kind)
    limit = thresholds.threshold(severity)
    text = (f"{severity.value} alert: session looks {kind} (score {score:.2f} >= {limit:.2f}, "
            f"model {version.kind}/{version.label})")  # fmt: skip
    top = ", ".join(f"{f.name}={f.value:g}" for f in features[:3])
    return f"{text}; top features: {top}" if top else text


NOT_FOUND, INVALID, CONFLICT = "alert_not_found", "invalid_command", "conflict"
"""Why an operator's alert command recorded nothing (the write API's problem reasons; every
surface says them in its own words)."""


@dataclass(frozen=True)
class Acted:
    """What an operator's alert command did."""

    position: int
    """Global position of what was recorded (0 when refused)."""
    refused: str | None = None
    """None, or why nothing was recorded: ``NOT_FOUND`` (no such alert for the tenant, or not
    an alert id), ``INVALID`` (the note), ``CONFLICT`` (resolved, or acknowledged already)."""
    detail: str = ""
    """The refusal, for people."""


class AlertActions:
    """The operators' alert commands, one call each, for every surface (the REST controller,
    the GraphQL mutations): primitives in, ``Acted`` out; a refusal is an answer, not an
    exception, so no surface needs this context's errors."""

    def __init__(self, desk: AlertDesk) -> None:
        self._desk = desk

    def acknowledge(self, tenant_id: str, alert_id: str, by: str, note: object = "") -> Acted:
        return _act(alert_id, note, lambda uuid, text: self._desk.acknowledge_alert(
            AcknowledgeAlert(tenant_id, uuid, by, text)))  # fmt: skip

    def resolve(self, tenant_id: str, alert_id: str, by: str, note: object = "") -> Acted:
        return _act(alert_id, note, lambda uuid, text: self._desk.resolve_alert(
            ResolveAlert(tenant_id, uuid, by, text)))  # fmt: skip


def _act(alert_id: str, note: object, command: Callable[[UUID, str], Done]) -> Acted:
    if not isinstance(note, str) or len(note) > MAX_NOTE_CHARS:
        return Acted(0, INVALID, f"note: a string of at most {MAX_NOTE_CHARS} characters")
    try:
        uuid = UUID(alert_id)
    except ValueError:
        return Acted(0, NOT_FOUND, f"no alert {alert_id}")
    try:
        return Acted(command(uuid, note).position)
    except AlertNotFoundError as error:
        return Acted(0, NOT_FOUND, str(error))
    except (AlertResolvedError, AlertAcknowledgedError) as error:
        return Acted(0, CONFLICT, str(error))
