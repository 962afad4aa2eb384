"""Burn-rate forecasting: when will a session exhaust its token or cost budget?

The rate is a ratio of exponentially weighted sums (spend and elapsed time, each decayed per
spending event with ``halflife_events``), which ignores the zero-spend gaps between LLM turns
instead of treating them as noise. The interval widens the rate by
``exp(±interval_scale * sigma)``, where sigma is the EWMA standard deviation of the per-event log
rate; ``fit`` picks the half-life and the scale on training sessions so that about ``coverage``
of true exhaustion times fall inside.
Invariant: forecasts depend only on the spends seen (and the time they arrived).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ml.models.artifact import ModelArtifact

__all__ = [
    "BurnForecast",
    "BurnRateForecaster",
    "BurnRateState",
    "burn_from_artifact",
    "burn_to_artifact",
]

KIND = "burn-rate-ewma"
VERSION = "1"


@dataclass(frozen=True)
class BurnForecast:
    """Spend so far, rate per second with an interval, and time left until the budget is hit."""

    spent: float
    rate_per_s: float
    rate_low: float
    rate_high: float
    seconds_left: float
    """Central estimate (``inf`` when nothing is being spent)."""
    seconds_left_low: float
    """Pessimistic bound: at the high rate."""
    seconds_left_high: float
    """Optimistic bound: at the low rate."""
    exhausts_at: datetime | None


@dataclass(frozen=True)
class BurnRateForecaster:
    """Parameters of the forecaster (fitted by ``fit``; serialisable as plain numbers)."""

    halflife_events: float = 8.0
    interval_scale: float = 1.0

    def new_state(self) -> BurnRateState:
        """A fresh per-session state using these parameters."""
        return BurnRateState(self)

    @classmethod
    def fit(
        cls,
        sessions: Sequence[Sequence[tuple[datetime, float]]],
        budget_fraction: float = 0.9,
        coverage: float = 0.8,
    ) -> BurnRateForecaster:
        """Pick the half-life with the lowest median error, then the scale reaching ``coverage``."""
        best: tuple[float, float] | None = None
        for halflife in (4.0, 8.0, 16.0, 32.0):
            errors = [e for s in sessions if (e := _trial(cls(halflife, 0.0), s, budget_fraction))]
            if not errors:
                continue
            median = sorted(abs(math.log(p / a)) for p, a, _ in errors)[len(errors) // 2]
            if best is None or median < best[0]:
                best = (median, halflife)
        halflife = 8.0 if best is None else best[1]
        needed = sorted(
            abs(math.log(p / a)) / sigma
            for s in sessions
            if (e := _trial(cls(halflife, 0.0), s, budget_fraction))
            for p, a, sigma in [e]
            if sigma > 0
        )
        scale = needed[min(len(needed) - 1, int(coverage * len(needed)))] if needed else 1.0
        return cls(halflife, float(scale))


class BurnRateState:
    """Running rate estimate for one session; feed each event's spend (tokens or dollars)."""

    __slots__ = ("_last", "_log_mean", "_log_var", "_n", "_params", "_spend", "_spent", "_time")

    def __init__(self, params: BurnRateForecaster) -> None:
        self._params = params
        self._last: datetime | None = None
        self._spend = self._time = self._spent = self._log_mean = self._log_var = 0.0
        self._n = 0

    def update(self, at: datetime, spend: float) -> None:
        """Record ``spend`` arriving at ``at`` (zero spends only advance the clock)."""
        if self._last is None:
            self._last = at
        if spend <= 0:
            return
        elapsed = max(1.0, (at - self._last).total_seconds())
        decay = 0.5 ** (1.0 / self._params.halflife_events)
        self._spend = decay * self._spend + spend
        self._time = decay * self._time + elapsed
        log_rate = math.log(spend / elapsed)
        if self._n == 0:
            self._log_mean = log_rate
        delta = log_rate - self._log_mean
        self._log_mean += (1 - decay) * delta
        self._log_var = decay * (self._log_var + (1 - decay) * delta * delta)
        self._spent += spend
        self._last, self._n = at, self._n + 1

    @property
    def sigma(self) -> float:
        """EWMA standard deviation of the per-event log rate."""
        return math.sqrt(self._log_var)

    def forecast(self, budget: float) -> BurnForecast:
        """Seconds until ``spent`` reaches ``budget`` at the current rate, with an interval."""
        rate = self._spend / self._time if self._time > 0 else 0.0
        spread = math.exp(self._params.interval_scale * self.sigma)
        low, high = rate / spread, rate * spread
        left = max(0.0, budget - self._spent)

        def eta(r: float) -> float:
            return left / r if r > 0 else math.inf

        central = eta(rate)
        at = self._last + timedelta(seconds=central) if self._last and central < 1e9 else None
        return BurnForecast(self._spent, rate, low, high, central, eta(high), eta(low), at)


def _trial(
    params: BurnRateForecaster, spends: Sequence[tuple[datetime, float]], fraction: float
) -> tuple[float, float, float] | None:
    """Forecast at half the budget; (predicted, actual, sigma) seconds, or None if unusable."""
    total = sum(s for _, s in spends)
    budget = fraction * total
    state, cum, asked = params.new_state(), 0.0, None
    for at, spend in spends:
        state.update(at, spend)
        cum += spend
        if asked is None and cum >= budget / 2:
            asked = (at, state.forecast(budget), state.sigma)
        if asked is not None and cum >= budget:
            actual = (at - asked[0]).total_seconds()
            predicted = asked[1].seconds_left
            if actual <= 0 or not 0 < predicted < math.inf:
                return None
            return predicted, actual, asked[2]
    return None


def burn_to_artifact(params: BurnRateForecaster, metrics: dict[str, float]) -> ModelArtifact:
    """The forecaster as an artifact: parameters in the header, no payload."""
    return ModelArtifact(
        kind=KIND,
        version=VERSION,
        feature_schema_version="cost-stream-v1",
        feature_names=("cost_usd",),
        thresholds={},
        metrics=metrics,
        params={"halflife_events": params.halflife_events, "interval_scale": params.interval_scale},
    )


def burn_from_artifact(artifact: ModelArtifact) -> BurnRateForecaster:
    """Load a forecaster written by ``burn_to_artifact``."""
    if artifact.kind != KIND:
        raise ValueError(f"cannot load {artifact.kind} as a burn-rate forecaster")
    return BurnRateForecaster(
        float(artifact.params["halflife_events"]), float(artifact.params["interval_scale"])
    )
