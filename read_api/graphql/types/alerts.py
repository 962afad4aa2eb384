"""GraphQL types of alerts and model versions."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from projections.alerts.queries import AlertRecord, ModelVersionRecord
from read_api.graphql.types.records import from_record
from read_api.graphql.types.session import Position


@strawberry.enum
class AlertSeverity(Enum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@strawberry.enum(description="OPEN = raised or acknowledged (not resolved).")
class AlertStatus(Enum):
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    OPEN = "open"


@strawberry.enum
class ModelKind(Enum):
    ANOMALY = "anomaly"
    FAILURE = "failure"
    BURN_RATE = "burn_rate"
    PIPELINE = "pipeline"
    """Not a model: a read model skipped an event it could not store (alerts only)."""
    BUDGET_EXHAUSTION_FORECAST = "budget_exhaustion_forecast"
    """The burn-rate forecaster says a budget rule's limit will be reached before its window
    ends (alerts only)."""


@strawberry.enum
class ModelStatus(Enum):
    TRAINED = "trained"
    PROMOTED = "promoted"
    RETIRED = "retired"


@strawberry.input
class AlertFilter:
    status: AlertStatus | None = None
    severity: AlertSeverity | None = None
    session_id: str | None = None


@strawberry.type(
    description="An alert a model assessment raised (or, with modelKind PIPELINE, a read model "
    "that skipped an event it could not store), and what operators did."
)
class Alert:
    id: str
    position: Position
    session_id: str
    agent: str | None
    severity: AlertSeverity
    status: AlertStatus
    reason: str
    score: float
    model_kind: ModelKind
    model_version_id: str
    raised_by: str
    raised_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    acknowledged_note: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolved_note: str | None
    escalation: str | None
    """What a policy did about it (``quarantine: …``)."""
    escalated_at: datetime | None

    @classmethod
    def of(cls, r: AlertRecord) -> Alert:
        return from_record(cls, r, id=str(r.alert_id), model_version_id=str(r.model_version_id))


@strawberry.type(description="A trained model version and where it stands.")
class ModelVersion:
    id: str
    kind: ModelKind
    label: str
    status: ModelStatus
    metrics: JSON
    artifact_sha256: str
    feature_schema_version: str
    trained_by: str
    trained_at: datetime
    promoted_by: str | None
    promoted_at: datetime | None
    retired_by: str | None
    retired_at: datetime | None
    retired_reason: str | None

    @classmethod
    def of(cls, r: ModelVersionRecord) -> ModelVersion:
        return from_record(cls, r, id=str(r.version_id))


@strawberry.type(description="What an alert command recorded.")
class AlertCommandResult:
    alert_id: str
    position: Position
    """Pass as ``minPosition`` to ``alerts`` to read your write."""
