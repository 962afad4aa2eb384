"""Forecasting budget exhaustion on the agents' real cost stream (``model_call_recorded``).

``BudgetWatch`` keeps, per budget rule of each tenant's policy and per owner and window (the
session's life, the user's, team's or tenant's UTC day or month), a burn-rate state fed with
the model calls' dollars or tokens, and forecasts after each call once it has seen
``MIN_CALLS`` of them. When the pessimistic bound (the spend at the high end of the rate's
interval) says the limit will be reached before the window ends, it asks for one
``budget_exhaustion_forecast`` alert. A session's life has no end, so its horizon is
``SESSION_HORIZON`` from the call.

No alert storms, and idempotent under redelivery and rebuild: a model call already folded (its
stream version is not past the session's last one) is skipped; an owner and window alerts at
most once per process, and the alert's id derives from rule, owner and window, so another
worker or a restart cannot raise it twice (the AlertDesk refuses the duplicate).

Sums start when the worker first sees an owner's calls (a restarted worker forecasts on what
it sees next); the gate's ledger is the authority on what was spent.

The forecaster is the tenant's promoted ``burn_rate`` model version when there is one, else
the default parameters (logged once per tenant).
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from commands.alerts.messages import ForecastBudgetExhaustion
from commands.guardrails.follower import PolicyFollower
from commands.ml.service import ModelRegistry
from commands.reactions.scoring.models import CanBurn, CanForecastBurn, CanLoadBurn
from domain.guardrails.budgets import Budget, Period, Scope, Unit, period_end, period_key
from domain.guardrails.rules import Rule
from infra.model_store import ModelStore

log = logging.getLogger(__name__)

MODEL_CALLS = frozenset({"model_call_recorded", "model_span_recorded"})
"""The public events that carry a model call's cost (from a log record or from a span)."""
MIN_CALLS = 3
"""Calls an owner's window must have seen before it is forecast (one call says no rate)."""
SESSION_HORIZON = timedelta(hours=1)
MODEL_REFRESH_SECONDS = 30.0
MAX_STATES = 100_000
NO_MODEL = UUID(int=0)
TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens")

StateKey = tuple[str, str, str, str]
"""(tenant, rule id, owner such as ``team:payments``, window)."""


@dataclass
class Burning:
    """One owner's window. Its first call only starts the clock (one call says no rate); its
    spend is counted in ``first`` and taken off the limit the state forecasts against."""

    state: CanBurn
    calls: int = 0
    first: float = 0.0

    def add(self, at: datetime, amount: float) -> None:
        if self.calls == 0:
            self.state.update(at, 0.0)
            self.first = amount
        else:
            self.state.update(at, amount)
        self.calls += 1


@dataclass(frozen=True)
class Call:
    tenant: str
    session_id: str
    at: datetime
    usd: float
    tokens: int
    user_id: str | None
    team: str | None


class BudgetWatch:
    def __init__(
        self, policies: PolicyFollower, registry: ModelRegistry, artifacts: ModelStore,
        kit: CanLoadBurn, clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self._policies, self._registry, self._artifacts = policies, registry, artifacts
        self._kit, self._clock = kit, clock
        self._forecasters: dict[str, tuple[float, UUID, CanForecastBurn]] = {}
        self._states: OrderedDict[StateKey, Burning] = OrderedDict()
        self._owners: OrderedDict[tuple[str, str], tuple[str | None, str | None]] = OrderedDict()
        self._seen: dict[tuple[str, str], int] = {}
        self._raised: set[StateKey] = set()
        """Asked for already (bounded: forgetting one only costs a duplicate the desk refuses)."""

    def forecasts(self, documents: list[dict[str, Any]]) -> list[ForecastBudgetExhaustion]:
        """Folds the batch's model calls in order; the alerts to raise (usually none)."""
        calls = [d for d in documents if d.get("type") in MODEL_CALLS and d.get("session_id")]
        if not calls:
            return []
        self._policies.catch_up()
        found: list[ForecastBudgetExhaustion] = []
        for document in calls:
            call = self._fresh(document)
            if call is None:
                continue
            for rule in self._policies.state.for_tenant(call.tenant).rules:
                if rule.budget is None:
                    continue
                alert = self._observe(rule, rule.budget, call)
                if alert is not None:
                    found.append(alert)
        return found

    def _fresh(self, document: dict[str, Any]) -> Call | None:
        """The call, unless this session's stream was already folded up to it."""
        tenant, session = str(document.get("tenant", "")), str(document["session_id"])
        version = int(document.get("stream_version", 0))
        if self._seen.get((tenant, session), 0) >= version:
            return None
        self._seen[(tenant, session)] = version
        data = document.get("data") or {}
        stamp = data.get("occurred_at") or document.get("at")
        at = datetime.fromisoformat(stamp) if isinstance(stamp, str) else datetime.now(UTC)
        known = self._owners.get((tenant, session), (None, None))
        owners = (data.get("user_id") or known[0], data.get("team") or known[1])
        self._owners[(tenant, session)] = owners
        self._owners.move_to_end((tenant, session))
        while len(self._owners) > MAX_STATES:  # the least recently active sessions go first
            forgotten, _ = self._owners.popitem(last=False)
            self._seen.pop(forgotten, None)
        tokens = sum(int(data.get(k) or 0) for k in TOKEN_FIELDS)
        return Call(tenant, session, at.astimezone(UTC), float(data.get("cost_usd") or 0.0),
                    tokens, owners[0], owners[1])  # fmt: skip

    def _observe(self, rule: Rule, budget: Budget, call: Call) -> ForecastBudgetExhaustion | None:
        owner = _owner(budget.scope, call)
        if owner is None:
            return None
        window = period_key(budget.period, call.at)
        key = (call.tenant, rule.id, f"{budget.scope.value}:{owner}", window)
        version, forecaster = self._forecaster(call.tenant)
        burning = self._states.get(key)
        if burning is None:
            burning = self._states[key] = Burning(forecaster.new_state())
            while len(self._states) > MAX_STATES:
                self._states.popitem(last=False)
        self._states.move_to_end(key)
        burning.add(call.at, call.usd if budget.unit is Unit.USD else call.tokens)
        if burning.calls < MIN_CALLS or key in self._raised:
            return None
        forecast = burning.state.forecast(budget.limit - burning.first)
        spent = forecast.spent + burning.first
        end = period_end(budget.period, call.at) or call.at + SESSION_HORIZON
        left = (end - call.at).total_seconds()
        if not forecast.seconds_left_low < left:
            return None
        if len(self._raised) >= MAX_STATES:
            self._raised.clear()
        self._raised.add(key)
        return ForecastBudgetExhaustion(
            tenant_id=call.tenant, session_id=call.session_id, rule_id=rule.id, owner=key[2],
            window=window, reason=_reason(rule.id, budget, owner, spent, forecast.rate_high,
                                          forecast.seconds_left_low, end, call.at),
            share=spent / budget.limit, model_version_id=version,
        )  # fmt: skip

    def _forecaster(self, tenant: str) -> tuple[UUID, CanForecastBurn]:
        cached = self._forecasters.get(tenant)
        if cached is not None and self._clock() - cached[0] < MODEL_REFRESH_SECONDS:
            return cached[1], cached[2]
        promoted = self._registry.promoted(tenant, "burn_rate")
        if promoted is None:
            if cached is None:
                log.info("scoring: no burn-rate model promoted for tenant %r; forecasting "
                         "budgets with the default parameters", tenant)  # fmt: skip
            found: tuple[UUID, CanForecastBurn] = (NO_MODEL, self._kit.default_burn())
        elif cached is not None and cached[1] == promoted.id:
            found = (cached[1], cached[2])
        else:
            artifact = self._artifacts.get(promoted.artifact_sha256)
            found = (promoted.id, self._kit.burn(artifact, promoted.artifact_sha256))
        self._forecasters[tenant] = (self._clock(), *found)
        return found


def _owner(scope: Scope, call: Call) -> str | None:
    return {Scope.SESSION: call.session_id, Scope.USER: call.user_id, Scope.TEAM: call.team,
            Scope.TENANT: call.tenant}[scope]  # fmt: skip


def _reason(rule_id: str, budget: Budget, owner: str, spent: float, rate: float,
            seconds: float, end: datetime, at: datetime) -> str:  # fmt: skip
    """What the operator reads: the spend, the pessimistic rate and when it runs out."""
    when = "now" if seconds <= 0 else (at + timedelta(seconds=seconds)).strftime(
        "%Y-%m-%d %H:%M UTC")  # fmt: skip
    per_hour = rate * 3600 if math.isfinite(rate) else math.inf
    ends = ("within the hour" if budget.period is Period.LIFE
            else f"before the {budget.period.value} ends ({end:%Y-%m-%d %H:%M} UTC)")  # fmt: skip
    return (f"warning alert: rule {rule_id}, {budget.describe(owner, spent)}, will be spent "
            f"{ends}: at the pessimistic rate of {budget.format(per_hour)}/h it runs out "
            f"{when}")  # fmt: skip
