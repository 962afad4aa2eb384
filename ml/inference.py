"""What the scoring reaction uses of the model code, in one object the composition root passes
to it (``commands.reactions.scoring.models.CanLoadModels``): published documents as model
input, a session's running feature state, and promoted models from their artifacts; and the
burn-rate forecaster of budgets (``CanLoadBurn``)."""

from __future__ import annotations

from typing import Any

from ml.features import SessionEvent, SessionFeatureState
from ml.features.published import session_event
from ml.models.anomaly import AnomalyModel
from ml.models.artifact import ModelArtifact
from ml.models.burn import BurnRateForecaster, burn_from_artifact
from ml.models.failure import FailureModel


class SessionModels:
    def session_event(self, document: dict[str, Any]) -> SessionEvent | None:
        return session_event(document)

    def feature_state(self) -> SessionFeatureState:
        return SessionFeatureState()

    def anomaly(self, artifact: bytes, sha256: str) -> AnomalyModel:
        return AnomalyModel.from_artifact(
            ModelArtifact.from_bytes(artifact, expected_sha256=sha256)
        )

    def failure(self, artifact: bytes, sha256: str) -> FailureModel:
        return FailureModel.from_artifact(
            ModelArtifact.from_bytes(artifact, expected_sha256=sha256)
        )

    def burn(self, artifact: bytes, sha256: str) -> BurnRateForecaster:
        return burn_from_artifact(ModelArtifact.from_bytes(artifact, expected_sha256=sha256))

    def default_burn(self) -> BurnRateForecaster:
        return BurnRateForecaster()
