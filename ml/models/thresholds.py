"""Choosing severity thresholds on validation data, and the metrics that go with them.

A severity's threshold is the lowest score whose precision on the validation set reaches the
severity's target (``info`` 0.5, ``warning`` 0.8, ``critical`` 0.95). Invariant: thresholds are
non-decreasing from info to critical; a target that is never reached gives ``inf`` (never fires),
which is reported rather than hidden.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["DEFAULT_TARGETS", "choose_thresholds", "precision_recall_at", "recall_at_precision"]

DEFAULT_TARGETS = {"info": 0.5, "warning": 0.8, "critical": 0.95}


def _curve(
    scores: npt.NDArray[np.float64], labels: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Thresholds (distinct scores, descending) with precision and recall at each."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    tp = np.cumsum(y)
    fp = np.cumsum(~y)
    last = np.r_[s[1:] != s[:-1], True]  # ties share one threshold
    tp, fp, thr = tp[last], fp[last], s[last]
    precision = tp / np.maximum(tp + fp, 1)
    recall = tp / max(int(y.sum()), 1)
    return thr, precision, recall


def choose_thresholds(
    scores: npt.ArrayLike, labels: npt.ArrayLike, targets: dict[str, float] | None = None
) -> dict[str, float]:
    """Per severity, the lowest threshold reaching the target precision (see module doc)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.bool_)
    thr, precision, _ = _curve(s, y)
    chosen: dict[str, float] = {}
    floor = -np.inf
    for name, target in (targets or DEFAULT_TARGETS).items():
        ok = np.nonzero(precision >= target)[0]
        value = float(thr[ok[-1]]) if ok.size else float("inf")
        floor = max(floor, value)
        chosen[name] = float(floor)
    return chosen


def precision_recall_at(
    scores: npt.ArrayLike, labels: npt.ArrayLike, threshold: float
) -> tuple[float, float]:
    """Precision and recall of ``score >= threshold``."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.bool_)
    fired = s >= threshold
    tp = int(np.sum(fired & y))
    return tp / max(int(fired.sum()), 1), tp / max(int(y.sum()), 1)


def recall_at_precision(scores: npt.ArrayLike, labels: npt.ArrayLike, precision: float) -> float:
    """Best recall among thresholds whose precision is at least ``precision`` (0 if none)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.bool_)
    _, p, r = _curve(s, y)
    ok = p >= precision - 1e-12
    return float(r[ok].max()) if ok.any() else 0.0
