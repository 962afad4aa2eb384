"""Values of the model registry."""

from __future__ import annotations

from enum import StrEnum


class ModelKind(StrEnum):
    ANOMALY = "anomaly"
    """IsolationForest over session features: how unusual a session looks."""
    FAILURE = "failure"
    """Sequence model: how likely the session is heading for failure."""
    BURN_RATE = "burn_rate"
    """Forecaster: how likely the session exhausts its token/cost budget."""


class ModelStatus(StrEnum):
    TRAINED = "trained"
    PROMOTED = "promoted"
    RETIRED = "retired"


MODEL_KINDS = tuple(kind.value for kind in ModelKind)
