"""Featurised splits of generated sessions, and the plain rule baselines the models must beat.

Rules read the same windowed features the models see, so the comparison is about the model, not
about information: ``loop`` = the same command ≥ 4 times or ≥ 2 undone edits in the window (about
ten tool calls); ``error_storm`` = ≥ 3 consecutive failures; ``runaway_cost`` = cost per minute
over the window > ``RUNAWAY_K`` times the median of normal training sessions; ``exfiltration`` = a
network command after a secret-file access within the window. ``any`` = any of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ml.features import FEATURE_INDEX, extract_features
from ml.training.generator import FAILURE_MODES, GeneratedSession, generate_sessions
from ml.training.labels import HORIZON_EVENTS, heading_for_failure

__all__ = ["RUNAWAY_K", "Split", "make_split", "rule_flags"]

RUNAWAY_K = 3.0


@dataclass(frozen=True)
class Split:
    """Sessions with one feature matrix and one label vector per session."""

    sessions: list[GeneratedSession]
    features: list[npt.NDArray[np.float32]]
    labels: list[npt.NDArray[np.bool_]]

    @property
    def rows(self) -> npt.NDArray[np.float32]:
        """All feature rows stacked."""
        return np.concatenate(self.features)

    def tenant_per_row(self) -> list[str]:
        """The tenant of every stacked row."""
        return [s.tenant for s, f in zip(self.sessions, self.features, strict=True) for _ in f]


def make_split(n: int, seed: int, horizon: int = HORIZON_EVENTS) -> Split:
    """Generate ``n`` sessions with ``seed`` and featurise and label them."""
    sessions = generate_sessions(n, seed)
    features = [extract_features(s.events) for s in sessions]
    labels = [heading_for_failure(s.events, horizon) for s in sessions]
    return Split(sessions, features, labels)


def cost_per_minute(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """Dollars per minute over the window, undoing the feature's log1p(cents)."""
    return np.expm1(x[:, FEATURE_INDEX["cost_per_minute_log"]].astype(np.float64)) / 100.0


def normal_cost_median(split: Split) -> float:
    """Median windowed cost rate over normal sessions that report cost (the runaway rule's unit)."""
    rates = [
        cost_per_minute(f)
        for s, f in zip(split.sessions, split.features, strict=True)
        if s.mode == "normal" and f[:, FEATURE_INDEX["burn_known"]].any()
    ]
    return float(np.median(np.concatenate(rates))) if rates else 0.0


def rule_flags(x: npt.NDArray[np.float32], cost_median: float) -> dict[str, npt.NDArray[np.bool_]]:
    """Per-row firing of each plain rule (see module docstring), plus ``any``."""
    col = FEATURE_INDEX
    flags = {
        "loop": (x[:, col["current_command_repeats"]] >= 4)
        | (x[:, col["undo_cycles_window"]] >= 2),
        "error_storm": x[:, col["consecutive_failures"]] >= 3,
        "runaway_cost": cost_per_minute(x) > RUNAWAY_K * max(cost_median, 1e-9),
        "exfiltration": x[:, col["network_after_sensitive"]] >= 1,
    }
    flags["any"] = np.logical_or.reduce([flags[m] for m in FAILURE_MODES])
    return flags
