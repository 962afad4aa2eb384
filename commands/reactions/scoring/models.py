"""What scoring needs from the model code, as ports (``commands`` may not import ``ml``).

The composition root passes an implementation in: ``ml.inference.SessionModels``. Vectors are
the feature vectors of ``ml.features`` (float32, one row per event); hidden vectors are the
failure model's recurrent state, one row per session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]


class CanFold(Protocol):
    """One session's running feature state."""

    def update_and_vector(self, event: Any) -> Vector: ...


class Contribution(Protocol):
    @property
    def feature(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def z(self) -> float: ...


class CanScoreAnomaly(Protocol):
    def score(self, x: Vector, tenant: str) -> npt.NDArray[np.float64]: ...
    def explain(self, x: Vector, tenant: str, top: int) -> Sequence[Contribution]: ...


class CanStepFailure(Protocol):
    def step(self, x: Vector, hidden: Vector | None) -> tuple[npt.NDArray[np.float64], Vector]: ...


class CanLoadModels(Protocol):
    def session_event(self, document: dict[str, Any]) -> Any | None:
        """The model input for one published document, or None (not about a session's work)."""

    def feature_state(self) -> CanFold: ...
    def anomaly(self, artifact: bytes, sha256: str) -> CanScoreAnomaly: ...
    def failure(self, artifact: bytes, sha256: str) -> CanStepFailure: ...


class CanTellBurn(Protocol):
    """A burn-rate forecast (``ml.models.burn.BurnForecast``)."""

    @property
    def spent(self) -> float: ...
    @property
    def rate_high(self) -> float: ...
    @property
    def seconds_left_low(self) -> float:
        """Seconds until the budget is spent at the pessimistic (high) rate."""


class CanBurn(Protocol):
    """One owner's running burn rate (``ml.models.burn.BurnRateState``)."""

    def update(self, at: datetime, spend: float) -> None: ...
    def forecast(self, budget: float) -> CanTellBurn: ...


class CanForecastBurn(Protocol):
    def new_state(self) -> CanBurn: ...


class CanLoadBurn(Protocol):
    def burn(self, artifact: bytes, sha256: str) -> CanForecastBurn: ...
    def default_burn(self) -> CanForecastBurn:
        """The forecaster with default parameters (no version trained and promoted)."""
