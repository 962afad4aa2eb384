"""What scoring needs from the model code, as ports (``commands`` may not import ``ml``).

The composition root passes an implementation in: ``ml.inference.SessionModels``. Vectors are
the feature vectors of ``ml.features`` (float32, one row per event); hidden vectors are the
failure model's recurrent state, one row per session.
"""

from __future__ import annotations

from collections.abc import Sequence
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
