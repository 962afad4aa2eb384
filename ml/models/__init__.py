"""Trained models: anomaly (Isolation Forest), failure (GRU), burn rate (EWMA), and artifacts."""

from __future__ import annotations

from ml.models.anomaly import GLOBAL, AnomalyModel, Contribution
from ml.models.artifact import SEVERITIES, ArtifactDigestError, ModelArtifact
from ml.models.burn import (
    BurnForecast,
    BurnRateForecaster,
    BurnRateState,
    burn_from_artifact,
    burn_to_artifact,
)
from ml.models.failure import FailureModel
from ml.models.thresholds import choose_thresholds, precision_recall_at, recall_at_precision

__all__ = [
    "GLOBAL",
    "SEVERITIES",
    "AnomalyModel",
    "ArtifactDigestError",
    "BurnForecast",
    "BurnRateForecaster",
    "BurnRateState",
    "Contribution",
    "FailureModel",
    "ModelArtifact",
    "burn_from_artifact",
    "burn_to_artifact",
    "choose_thresholds",
    "precision_recall_at",
    "recall_at_precision",
]
