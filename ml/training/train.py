"""Training entry point: generate splits, fit the three models, choose thresholds on validation.

Splits use different seeds (train ``seed``, validation ``seed + 1``, test ``seed + 2``), so
evaluation never sees a training session. Invariant: the same ``TrainConfig`` gives byte-identical
artifacts (see ``ml.models.artifact``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
import numpy.typing as npt
from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

from ml.models import (
    AnomalyModel,
    BurnRateForecaster,
    FailureModel,
    ModelArtifact,
    burn_to_artifact,
    choose_thresholds,
)
from ml.training.dataset import Split, make_split, normal_cost_median
from ml.training.generator import GeneratedSession
from ml.training.labels import HORIZON_EVENTS

__all__ = ["SIZES", "Progress", "TrainConfig", "TrainedModels", "session_scores", "train_models"]

Progress = Callable[[str, float], None]
"""Called with a human-readable stage and the overall fraction done (0..1)."""
WARMUP_EVENTS = 5


@dataclass(frozen=True)
class TrainConfig:
    """Sizes and seeds of one training run."""

    train_sessions: int = 1000
    validation_sessions: int = 300
    test_sessions: int = 600
    seed: int = 7
    epochs: int = 6
    hidden: int = 32
    threads: int = 1
    horizon: int = HORIZON_EVENTS
    min_tenant_rows: int = 2000


SIZES = {
    "default": TrainConfig(),
    "small": TrainConfig(
        train_sessions=150,
        validation_sessions=60,
        test_sessions=120,
        epochs=4,
        min_tenant_rows=1500,
    ),
}


@dataclass
class TrainedModels:
    """The three fitted models with the config and statistics they came from."""

    config: TrainConfig
    anomaly: AnomalyModel
    failure: FailureModel
    burn: BurnRateForecaster
    cost_median: float
    metrics: dict[str, dict[str, float]]

    def artifacts(self) -> dict[str, ModelArtifact]:
        """One artifact per model, keyed by kind."""
        found = [
            self.anomaly.to_artifact(self.metrics["anomaly"]),
            self.failure.to_artifact(self.metrics["failure"]),
            burn_to_artifact(self.burn, self.metrics["burn"]),
        ]
        return {a.kind: a for a in found}


def session_scores(
    model: AnomalyModel, split: Split, warmup: int = WARMUP_EVENTS
) -> list[npt.NDArray[np.float64]]:
    """Anomaly score of every event of every session (the first ``warmup`` events score 0)."""
    out = []
    for session, x in zip(split.sessions, split.features, strict=True):
        scores = model.score(x, session.tenant)
        scores[:warmup] = 0.0
        out.append(scores)
    return out


def spends(session: GeneratedSession) -> list[tuple[datetime, float]]:
    """The session's cost stream (events carrying a cost)."""
    return [(e.at, e.cost_usd) for e in session.events if e.cost_usd]


def _auc(labels: Sequence[bool] | npt.NDArray[np.bool_], scores: npt.ArrayLike) -> float:
    y = np.asarray(labels, dtype=bool)
    return float(roc_auc_score(y, scores)) if 0 < y.sum() < len(y) else float("nan")


def train_models(
    config: TrainConfig | None = None,
    progress: Progress | None = None,
    train: Split | None = None,
    validation: Split | None = None,
) -> TrainedModels:
    """Fit anomaly, failure and burn models on the training split; thresholds on validation."""
    config = config or TrainConfig()
    say: Progress = progress or (lambda _stage, _fraction: None)
    say("generating training sessions", 0.0)
    train = train or make_split(config.train_sessions, config.seed, config.horizon)
    validation = validation or make_split(
        config.validation_sessions, config.seed + 1, config.horizon
    )
    say(f"fitting anomaly baselines on {len(train.rows)} events", 0.15)
    anomaly = AnomalyModel.fit(
        train.rows, train.tenant_per_row(), seed=config.seed, min_tenant_rows=config.min_tenant_rows
    )
    maxima = [float(s.max()) for s in session_scores(anomaly, validation)]
    abnormal = [s.mode != "normal" for s in validation.sessions]
    anomaly.thresholds = choose_thresholds(maxima, abnormal)

    def epoch(stage: str, fraction: float) -> None:
        say(stage, 0.25 + 0.6 * fraction)

    failure = FailureModel.fit(
        train.features,
        train.labels,
        horizon=config.horizon,
        seed=config.seed,
        hidden=config.hidden,
        epochs=config.epochs,
        threads=config.threads,
        progress=epoch,
    )
    probs = np.concatenate([failure.predict_sequence(x) for x in validation.features])
    labels = np.concatenate(validation.labels)
    failure.thresholds = choose_thresholds(probs, labels)
    say("fitting burn-rate forecaster", 0.9)
    burn = BurnRateForecaster.fit([spends(s) for s in train.sessions if spends(s)])
    metrics = {
        "anomaly": {"validation_session_auc": _auc(abnormal, maxima)},
        "failure": {"validation_event_auc": _auc(labels, probs)},
        "burn": {"halflife_events": burn.halflife_events},
    }
    say("trained", 1.0)
    return TrainedModels(
        replace(config), anomaly, failure, burn, normal_cost_median(train), metrics
    )
