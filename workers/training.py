"""Train, store and register the three models: the one code path of ``observatory ml train``
and of the ``train_models`` job.

A run trains anomaly, failure and burn-rate models (``ml.training``), evaluates them on a
held-out split, puts each artifact in the ``ModelStore`` (content-addressed) and records a
trained ``ModelVersion`` per kind, optionally promoted. Every kind gets the same label.

Retry-safe: training is deterministic (same size and seed, same bytes), so a run repeated
under the same label (a retried job) finds its versions already registered with the same
digest and carries on; a label taken by a different model is refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from commands.ml.messages import PromoteModel, RegisterTrainedModel
from commands.ml.service import ModelRegistry
from domain.alerts.thresholds import Thresholds
from domain.ml.errors import ModelVersionExistsError
from infra.database import eventsourcing_env
from infra.model_store import ModelStore
from ml.models import ModelArtifact
from ml.training.evaluate import EvaluationReport, evaluate
from ml.training.train import SIZES, Progress, TrainConfig, train_models

KINDS = {
    "anomaly-isolation-forest": "anomaly",
    "failure-gru": "failure",
    "burn-rate-ewma": "burn_rate",
}
"""Artifact kind (``ml``) → registry kind (``domain.ml.values.ModelKind``)."""

Clock = Callable[[], datetime]


class LabelTakenError(ValueError):
    """The label names another model of that kind already; pick a new label."""


@dataclass(frozen=True)
class TrainingRequest:
    """What to train and how to register it (JSON-able: it travels as a dramatiq message)."""

    tenant: str
    label: str
    by: str
    """Who asked (``cli:user@host``); recorded as ``trained_by`` and promoter."""
    size: str = "default"
    seed: int | None = None
    promote: bool = False

    def config(self) -> TrainConfig:
        config = SIZES[self.size]
        return config if self.seed is None else replace(config, seed=self.seed)

    def to_message(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_message(cls, data: Mapping[str, Any]) -> TrainingRequest:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class TrainedVersion:
    kind: str
    label: str
    version_id: UUID
    sha256: str
    metrics: dict[str, Any]
    promoted: bool
    trained_by: str
    trained_at: datetime


def default_label(size: str, seed: int | None, at: datetime) -> str:
    """``20250601-120000-default-s7``: sortable, and unique at one run per second."""
    chosen = SIZES[size].seed if seed is None else seed
    return f"{at.astimezone(UTC):%Y%m%d-%H%M%S}-{size}-s{chosen}"


def _finite(values: Mapping[str, Any]) -> dict[str, Any]:
    """Numbers the registry accepts: NaN and infinity dropped (a severity whose precision
    target was never reached has no threshold, so it is never raised)."""
    kept: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            kept[key] = _finite(value)
        elif not isinstance(value, float) or math.isfinite(value):
            kept[key] = value
    return kept


def _evaluation(report: EvaluationReport, kind: str) -> dict[str, Any]:
    """The held-out numbers of one kind: the "any" row and ROC AUC per failure mode."""
    if kind == "burn_rate":
        return _finite(report.burn)
    task = "detect" if kind == "anomaly" else "predict"
    rows = [r for r in report.rows if r.task.startswith(task)]
    overall = next(r for r in rows if r.mode == "any")
    return _finite({
        "roc_auc": overall.auc, "precision": overall.precision, "recall": overall.recall,
        "rule_recall": overall.rule_recall,
        "recall_at_rule_precision": overall.model_recall_at_rule_precision,
        "roc_auc_by_mode": {r.mode: r.auc for r in rows if r.mode != "any"},
    })  # fmt: skip


def version_metrics(artifact: ModelArtifact, report: EvaluationReport,
                    config: TrainConfig) -> dict[str, Any]:  # fmt: skip
    """What the ``ModelVersion`` records: alert thresholds, validation and test numbers."""
    kind = KINDS[artifact.kind]
    thresholds = _finite(artifact.thresholds)
    Thresholds.of(thresholds)  # refused here, not when the first alert is due
    return {
        "thresholds": thresholds,
        "validation": _finite(artifact.metrics),
        "test": _evaluation(report, kind),
        "model": {"kind": artifact.kind, "version": artifact.version},
        "training": {"seed": config.seed, "train_sessions": config.train_sessions,
                     "validation_sessions": config.validation_sessions,
                     "test_sessions": config.test_sessions, "epochs": config.epochs},
    }  # fmt: skip


def run_training(request: TrainingRequest, url: str, schema: str,
                 progress: Progress | None = None,
                 clock: Clock = lambda: datetime.now(UTC)) -> list[TrainedVersion]:  # fmt: skip
    """Train, evaluate, store and register (and promote, if asked) all three kinds."""
    say: Progress = progress or (lambda _stage, _fraction: None)
    config = request.config()
    trained = train_models(config, lambda stage, done: say(stage, 0.75 * done))
    report = evaluate(config, lambda stage, done: say(stage, 0.75 + 0.2 * (done - 0.8) / 0.2),
                      models=trained)  # fmt: skip
    say("storing and registering", 0.95)
    store = ModelStore(url, schema)
    registry = ModelRegistry(eventsourcing_env(url, schema, 1))
    try:
        found = []
        for artifact in trained.artifacts().values():
            metrics = version_metrics(artifact, report, config)
            found.append(_register(registry, store, request, artifact, metrics, clock()))
    finally:
        registry.close()
    say("registered", 1.0)
    return found


def _register(registry: ModelRegistry, store: ModelStore, request: TrainingRequest,
              artifact: ModelArtifact, metrics: dict[str, Any],
              at: datetime) -> TrainedVersion:  # fmt: skip
    kind = KINDS[artifact.kind]
    digest = store.put(artifact.kind, artifact.to_bytes())
    command = RegisterTrainedModel(
        request.tenant, kind, request.label, digest, artifact.feature_schema_version, request.by,
        at, metrics,
    )  # fmt: skip
    try:
        version_id = registry.register_trained(command).version_id
    except ModelVersionExistsError:
        existing = registry.by_label(request.tenant, kind, request.label)
        if existing.artifact_sha256 != digest:
            raise LabelTakenError(
                f"the {kind} label {request.label!r} is taken by another model "
                f"({existing.artifact_sha256[:12]}); choose another label"
            ) from None
        version_id = existing.id
    if version_id is None:
        raise AssertionError("register_trained names the version it records")
    promoted = False
    if request.promote:
        if not registry.version(request.tenant, version_id).promoted:
            registry.promote(PromoteModel(request.tenant, version_id, request.by))
        promoted = True
    return TrainedVersion(kind, request.label, version_id, digest, metrics, promoted,
                          request.by, at)  # fmt: skip
