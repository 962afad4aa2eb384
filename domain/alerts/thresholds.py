"""Per-severity thresholds on a model's score: pure, taken from the model version's metadata.

A model version may carry ``metrics["thresholds"] = {"info": 0.6, "warning": 0.8,
"critical": 0.95}`` (any subset; calibrated when it was evaluated). A score at or above a
threshold reaches that severity; the highest severity reached wins. Scores are "higher is
worse"; a severity left out is never raised. Without thresholds in the metadata the defaults
apply.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.alerts.errors import ThresholdsInvalidError
from domain.alerts.values import SEVERITIES, Severity

DEFAULT_THRESHOLDS: dict[str, float] = {"info": 0.6, "warning": 0.8, "critical": 0.95}


@dataclass(frozen=True)
class Thresholds:
    """Invariant: thresholds are finite and do not fall as severity rises."""

    levels: tuple[tuple[Severity, float], ...]

    def __post_init__(self) -> None:
        values = [value for _, value in sorted(self.levels, key=lambda item: item[0].rank)]
        if not all(math.isfinite(v) for v in values):
            raise ThresholdsInvalidError("must be finite numbers")
        if values != sorted(values):
            raise ThresholdsInvalidError("must not fall as severity rises (info ≤ warning ≤ …)")

    @classmethod
    def of(cls, mapping: Mapping[str, Any]) -> Thresholds:
        levels = []
        for name, value in mapping.items():
            if name not in {s.value for s in SEVERITIES}:
                raise ThresholdsInvalidError(f"unknown severity {name!r}")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ThresholdsInvalidError(f"{name} must be a number")
            levels.append((Severity(name), float(value)))
        return cls(tuple(sorted(levels, key=lambda item: item[0].rank)))

    @classmethod
    def from_metadata(cls, metrics: Mapping[str, Any]) -> Thresholds:
        """The thresholds a model version's metrics name (the defaults when none)."""
        found = metrics.get("thresholds")
        if found is None:
            return cls.of(DEFAULT_THRESHOLDS)
        if not isinstance(found, Mapping):
            raise ThresholdsInvalidError("metrics.thresholds must be an object")
        return cls.of(found)

    def severity_of(self, score: float) -> Severity | None:
        """The highest severity whose threshold the score reaches (None: below them all)."""
        if not math.isfinite(score):
            return None
        reached = [severity for severity, value in self.levels if score >= value]
        return max(reached, key=lambda s: s.rank) if reached else None

    def threshold(self, severity: Severity) -> float:
        return dict(self.levels)[severity]
