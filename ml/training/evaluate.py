"""Held-out evaluation against plain rules: ``python -m ml.training.evaluate [--size small]``.

Two tasks per failure mode, each on the test split (its own seed): *detect* — session-level,
sessions of that mode vs normal sessions, anomaly score = max over the session's events, rule =
the mode's rule fired anywhere; *predict* — event-level, "a failure point within the horizon" on
the events of that mode's sessions and of normal sessions, GRU probability vs the ``any`` rule.
Models are compared with rules at equal precision: the model's best recall among thresholds
whose precision is at least the rule's. The burn forecaster is compared with the naive
"average rate since start" on the median relative error of the time left.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from ml.models import BurnRateForecaster, precision_recall_at, recall_at_precision
from ml.training.dataset import Split, make_split, rule_flags
from ml.training.generator import FAILURE_MODES
from ml.training.train import (
    SIZES,
    Progress,
    TrainConfig,
    TrainedModels,
    _auc,
    session_scores,
    spends,
    train_models,
)

__all__ = ["EvaluationReport", "ModeResult", "evaluate", "main"]


@dataclass(frozen=True)
class ModeResult:
    """One row of the evaluation table."""

    task: str
    mode: str
    positives: int
    negatives: int
    auc: float
    precision: float
    """Model precision at its ``warning`` threshold."""
    recall: float
    rule_precision: float
    rule_recall: float
    model_recall_at_rule_precision: float


@dataclass
class EvaluationReport:
    """Rows per task and mode, the burn-rate comparison, and how long it took."""

    config: TrainConfig
    rows: list[ModeResult]
    burn: dict[str, float]
    seconds: float
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)

    def markdown(self) -> str:
        """The table published in ``docs/ml.md``."""
        lines = [
            "| task | mode | pos | neg | ROC AUC | precision | recall | rule precision | "
            "rule recall | model recall at rule precision |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in self.rows:
            lines.append(
                f"| {r.task} | {r.mode} | {r.positives} | {r.negatives} | {r.auc:.3f} | "
                f"{r.precision:.3f} | {r.recall:.3f} | {r.rule_precision:.3f} | "
                f"{r.rule_recall:.3f} | {r.model_recall_at_rule_precision:.3f} |"
            )
        b = self.burn
        lines += [
            "",
            f"Burn rate ({int(b['sessions'])} sessions, forecast at half the budget): median "
            f"relative error {b['model_median_error']:.3f} (naive average rate "
            f"{b['naive_median_error']:.3f}); interval coverage {b['coverage']:.3f}.",
        ]
        return "\n".join(lines)


def _row(task: str, mode: str, scores: np.ndarray, labels: np.ndarray, rule: np.ndarray,
         threshold: float) -> ModeResult:  # fmt: skip
    precision, recall = precision_recall_at(scores, labels, threshold)
    rule_p, rule_r = precision_recall_at(rule.astype(float), labels, 0.5)
    at_rule = recall_at_precision(scores, labels, rule_p) if rule.any() else float("nan")
    return ModeResult(task, mode, int(labels.sum()), int((~labels).sum()), _auc(labels, scores),
                      precision, recall, rule_p, rule_r, at_rule)  # fmt: skip


def _detect(models: TrainedModels, test: Split) -> list[ModeResult]:
    maxima = np.array([s.max() for s in session_scores(models.anomaly, test)])
    fired = {m: [] for m in (*FAILURE_MODES, "any")}  # type: dict[str, list[bool]]
    for x in test.features:
        for mode, flags in rule_flags(x, models.cost_median).items():
            fired[mode].append(bool(flags.any()))
    modes = np.array([s.mode for s in test.sessions])
    rows = []
    for mode in (*FAILURE_MODES, "any"):
        keep = (modes == mode) | (modes == "normal") if mode != "any" else np.ones_like(modes, bool)
        labels = modes[keep] != "normal"
        rule = np.asarray(fired[mode])[keep]
        threshold = models.anomaly.thresholds["warning"]
        rows.append(_row("detect (session)", mode, maxima[keep], labels, rule, threshold))
    return rows


def _predict(models: TrainedModels, test: Split) -> list[ModeResult]:
    probs = [models.failure.predict_sequence(x) for x in test.features]
    rules = [rule_flags(x, models.cost_median)["any"] for x in test.features]
    rows = []
    for mode in (*FAILURE_MODES, "any"):
        keep = [
            i for i, s in enumerate(test.sessions) if mode == "any" or s.mode in (mode, "normal")
        ]
        scores = np.concatenate([probs[i] for i in keep])
        labels = np.concatenate([test.labels[i] for i in keep])
        rule = np.concatenate([rules[i] for i in keep])
        threshold = models.failure.thresholds["warning"]
        rows.append(_row(f"predict (event, N={models.config.horizon})", mode, scores, labels,
                         rule, threshold))  # fmt: skip
    return rows


def _burn(params: BurnRateForecaster, test: Split) -> dict[str, float]:
    from ml.models.burn import _trial

    model, naive, covered = [], [], []
    naive_params = BurnRateForecaster(halflife_events=1e9, interval_scale=0.0)
    for s in test.sessions:
        stream = spends(s)
        trial, flat = _trial(params, stream, 0.9), _trial(naive_params, stream, 0.9)
        if trial is None or flat is None:
            continue
        predicted, actual, sigma = trial
        model.append(abs(predicted - actual) / actual)
        naive.append(abs(flat[0] - flat[1]) / flat[1])
        spread = math.exp(params.interval_scale * sigma)
        covered.append(predicted / spread <= actual <= predicted * spread)
    return {
        "sessions": float(len(model)),
        "model_median_error": float(np.median(model)) if model else float("nan"),
        "naive_median_error": float(np.median(naive)) if naive else float("nan"),
        "coverage": float(np.mean(covered)) if covered else float("nan"),
    }


def evaluate(
    config: TrainConfig | None = None,
    progress: Progress | None = None,
    models: TrainedModels | None = None,
) -> EvaluationReport:
    """Train (unless ``models`` is given) and evaluate on a held-out split with its own seed."""
    config = config or TrainConfig()
    say: Progress = progress or (lambda _stage, _fraction: None)
    started = time.perf_counter()

    def training(stage: str, fraction: float) -> None:
        say(stage, 0.8 * fraction)

    models = models or train_models(config, training)
    say("generating test sessions", 0.8)
    test = make_split(config.test_sessions, config.seed + 2, config.horizon)
    say("scoring test sessions", 0.85)
    rows = _detect(models, test) + _predict(models, test)
    burn = _burn(models.burn, test)
    say("evaluated", 1.0)
    thresholds = {"anomaly": models.anomaly.thresholds, "failure": models.failure.thresholds}
    return EvaluationReport(config, rows, burn, time.perf_counter() - started, thresholds)


def main(argv: list[str] | None = None) -> int:
    """Command line: print progress to stderr and the markdown table to stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", choices=sorted(SIZES), default="default")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    config = SIZES[args.size]
    if args.seed is not None:
        config = TrainConfig(**{**config.__dict__, "seed": args.seed})

    def show(stage: str, fraction: float) -> None:
        print(f"[{fraction:5.0%}] {stage}", file=sys.stderr)

    report = evaluate(config, show)
    print(report.markdown())
    print(f"\nthresholds: {report.thresholds}\nseconds: {report.seconds:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
