"""Values of the alerts context: severities, statuses, feature contributions."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.alerts.errors import AssessmentInvalidError

MAX_FEATURES = 20


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return SEVERITIES.index(self)


SEVERITIES = (Severity.INFO, Severity.WARNING, Severity.CRITICAL)
"""Mildest first."""


class AlertStatus(StrEnum):
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class FeatureContribution:
    """One feature behind a score: its value and how much it pushed the score."""

    name: str
    value: float
    contribution: float

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> FeatureContribution:
        name, value, share = data.get("name"), data.get("value"), data.get("contribution")
        if not isinstance(name, str) or not name or len(name) > 200:
            raise AssessmentInvalidError(["top_features.name: a string of 1-200 characters"])
        numbers = (value, share)
        if not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers):
            raise AssessmentInvalidError([f"top_features[{name}]: value, contribution: numbers"])
        if not all(math.isfinite(float(n)) for n in numbers):  # type: ignore[arg-type]
            raise AssessmentInvalidError([f"top_features[{name}]: numbers must be finite"])
        return cls(name, float(value), float(share))  # type: ignore[arg-type]

    def as_data(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "contribution": self.contribution}


def parse_features(items: Any) -> list[FeatureContribution]:
    if not isinstance(items, (list, tuple)):
        raise AssessmentInvalidError(["top_features: a list"])
    if len(items) > MAX_FEATURES:
        raise AssessmentInvalidError([f"top_features: at most {MAX_FEATURES}"])
    return [
        item if isinstance(item, FeatureContribution) else FeatureContribution.parse(item)
        for item in items
    ]
