"""Commands of the model registry (imperative, no suffix)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class RegisterTrainedModel:
    tenant_id: str
    kind: str
    """``anomaly``, ``failure`` or ``burn_rate``."""
    label: str
    """The version's name, unique per tenant and kind (e.g. ``iforest-2025-06-01``)."""
    artifact_sha256: str
    feature_schema_version: str
    trained_by: str
    trained_at: datetime
    metrics: dict[str, Any] = field(default_factory=dict)
    """Evaluation results; ``thresholds: {info, warning, critical}`` sets when alerts fire."""


@dataclass(frozen=True)
class PromoteModel:
    tenant_id: str
    version_id: UUID
    by: str


@dataclass(frozen=True)
class RetireModel:
    tenant_id: str
    version_id: UUID
    by: str
    reason: str = ""
