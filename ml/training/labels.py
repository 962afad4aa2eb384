"""Failure points and per-event labels, computed from events alone (usable on real history).

A failure point is an event index where a session visibly fails: the ``FAILURE_RUN``-th consecutive
failed tool call, a ``StopFailure``, a ``Quarantined`` intervention, or an abandonment (a
``SessionEnd`` while the agent was still mid-turn: no ``Stop`` since the last prompt).
Event ``i`` is labelled "heading for failure" when a failure point lies in ``(i, i + horizon]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ml.features import SessionEvent

__all__ = ["FAILURE_RUN", "HORIZON_EVENTS", "failure_points", "heading_for_failure"]

FAILURE_RUN = 5
HORIZON_EVENTS = 10


def failure_points(events: Sequence[SessionEvent]) -> list[int]:
    """Indices of the events at which the session fails (see module docstring)."""
    points: list[int] = []
    run = 0
    mid_turn = False
    for i, event in enumerate(events):
        kind = event.kind
        if kind in ("PostToolUse", "PostToolUseFailure"):
            run = run + 1 if kind == "PostToolUseFailure" else 0
            if run == FAILURE_RUN:
                points.append(i)
        elif kind in ("StopFailure", "Quarantined"):
            points.append(i)
            mid_turn = mid_turn and kind == "Quarantined"
        elif kind == "UserPromptSubmit":
            mid_turn = True
        elif kind == "Stop":
            mid_turn = False
        elif kind == "SessionEnd" and mid_turn:
            points.append(i)
    return points


def heading_for_failure(
    events: Sequence[SessionEvent], horizon: int = HORIZON_EVENTS
) -> npt.NDArray[np.bool_]:
    """Per-event labels: a failure point follows within ``horizon`` events."""
    labels = np.zeros(len(events), dtype=np.bool_)
    for point in failure_points(events):
        labels[max(0, point - horizon) : point] = True
    return labels
