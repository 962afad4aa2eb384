"""Per-session sliding-window features: the record type, the schema and the running state.

``extract_features`` is the batch form used in training; the scoring worker keeps one
``SessionFeatureState`` per live session and calls ``update_and_vector`` per event. Both give
identical vectors for the same events.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from ml.features.events import SessionEvent, is_network, is_sensitive, tool_family
from ml.features.schema import (
    FEATURE_INDEX,
    FEATURE_NAMES,
    FEATURE_SCHEMA_VERSION,
    WINDOW_EVENTS,
)
from ml.features.state import SessionFeatureState

__all__ = [
    "FEATURE_INDEX",
    "FEATURE_NAMES",
    "FEATURE_SCHEMA_VERSION",
    "WINDOW_EVENTS",
    "SessionEvent",
    "SessionFeatureState",
    "extract_features",
    "is_network",
    "is_sensitive",
    "tool_family",
]


def extract_features(events: Iterable[SessionEvent]) -> npt.NDArray[np.float32]:
    """One feature row per event of one session (row i = features just after event i)."""
    state = SessionFeatureState()
    rows = [state.update_and_vector(event) for event in events]
    if not rows:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    return np.stack(rows)
