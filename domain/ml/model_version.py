"""The ``ModelVersion`` aggregate: one trained model, from training to retirement.

A version belongs to one tenant (models keep a per-tenant baseline) and is named by its kind
and label, so its stream id is ``model_version_id(tenant, kind, label)``: registering the same
label twice is refused rather than recorded twice.

Lifecycle: ``Trained`` → ``Promoted`` (at most one promoted version per tenant and kind; see
``ModelLineup``) → ``Retired``. Promoting a version retires the one it replaces. Invariants: a
retired version is never promoted again; a version is retired once; the metrics, artifact
digest and feature schema never change after training (a new training is a new version).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.ml.errors import (
    ModelVersionAlreadyPromotedError,
    ModelVersionInvalidError,
    ModelVersionRetiredError,
)
from domain.ml.values import MODEL_KINDS, ModelStatus

_NAMESPACE = uuid5(NAMESPACE_URL, "https://observatory.dev/streams/model-version")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def model_version_id(tenant_id: str, kind: str, label: str) -> UUID:
    return uuid5(_NAMESPACE, f"{tenant_id}/{kind}/{label}")


def _problems(kind: str, label: str, metrics: Mapping[str, Any], artifact_sha256: str,
              feature_schema_version: str, trained_at: datetime) -> list[str]:  # fmt: skip
    problems = []
    if kind not in MODEL_KINDS:
        problems.append(f"kind: one of {', '.join(MODEL_KINDS)}")
    if not label.strip() or len(label) > 200:
        problems.append("label: required, at most 200 characters")
    if not isinstance(metrics, Mapping) or not all(isinstance(k, str) for k in metrics):
        problems.append("metrics: an object with string keys")
    elif not _finite(metrics):
        problems.append("metrics: numbers must be finite")
    if not _SHA256.fullmatch(artifact_sha256):
        problems.append("artifact_sha256: 64 lowercase hex digits")
    if not feature_schema_version.strip():
        problems.append("feature_schema_version: required")
    if trained_at.tzinfo is None:
        problems.append("trained_at: an aware datetime")
    return problems


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Mapping):
        return all(_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    return True


class ModelVersion(Aggregate):
    """Invariant: promoted at most once per promotion, never after retirement."""

    class Trained(Aggregate.Created):
        tenant_id: str
        kind: str
        label: str
        metrics: dict[str, Any]
        """Evaluation results; ``metrics["thresholds"]`` sets the alert thresholds."""
        artifact_sha256: str
        feature_schema_version: str
        trained_by: str
        trained_at: datetime

    class Promoted(Aggregate.Event):
        tenant_id: str
        by: str
        replaces: str | None
        """The version id this one took over from (None: the first of its kind)."""

        def apply(self, aggregate: ModelVersion) -> None:
            aggregate.status = ModelStatus.PROMOTED.value

    class Retired(Aggregate.Event):
        tenant_id: str
        by: str
        reason: str

        def apply(self, aggregate: ModelVersion) -> None:
            aggregate.status = ModelStatus.RETIRED.value

    @staticmethod
    def create_id(tenant_id: str, kind: str, label: str, **_: Any) -> UUID:
        return model_version_id(tenant_id, kind, label)

    def __init__(self, tenant_id: str, kind: str, label: str, metrics: dict[str, Any],
                 artifact_sha256: str, feature_schema_version: str, trained_by: str,
                 trained_at: datetime) -> None:  # fmt: skip
        self.tenant_id, self.kind, self.label = tenant_id, kind, label
        self.metrics = metrics
        self.artifact_sha256 = artifact_sha256
        self.feature_schema_version = feature_schema_version
        self.trained_by, self.trained_at = trained_by, trained_at
        self.status = ModelStatus.TRAINED.value

    @classmethod
    def train(cls, tenant_id: str, kind: str, label: str, metrics: Mapping[str, Any],
              artifact_sha256: str, feature_schema_version: str, trained_by: str,
              trained_at: datetime) -> ModelVersion:  # fmt: skip
        problems = _problems(kind, label, metrics, artifact_sha256, feature_schema_version,
                             trained_at)  # fmt: skip
        if problems:
            raise ModelVersionInvalidError(problems)
        return cls._create(
            cls.Trained, tenant_id=tenant_id, kind=kind, label=label, metrics=dict(metrics),
            artifact_sha256=artifact_sha256, feature_schema_version=feature_schema_version,
            trained_by=trained_by, trained_at=trained_at,
        )  # fmt: skip

    @property
    def promoted(self) -> bool:
        return bool(self.status == ModelStatus.PROMOTED.value)

    @property
    def retired(self) -> bool:
        return bool(self.status == ModelStatus.RETIRED.value)

    def promote(self, by: str, replaces: UUID | None) -> None:
        if self.retired:
            raise ModelVersionRetiredError(self.id)
        if self.promoted:
            raise ModelVersionAlreadyPromotedError(self.id)
        self.trigger_event(self.Promoted, tenant_id=self.tenant_id, by=by,
                           replaces=str(replaces) if replaces else None)  # fmt: skip

    def retire(self, by: str, reason: str) -> None:
        if self.retired:
            raise ModelVersionRetiredError(self.id)
        self.trigger_event(self.Retired, tenant_id=self.tenant_id, by=by, reason=reason)
