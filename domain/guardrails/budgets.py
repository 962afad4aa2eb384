"""Budget rules: a spend limit per session, user, team or tenant, per day, month or life.

A budget rule is a guardrail rule with a ``budget`` instead of a ``when``::

    id: payments-daily
    budget: {scope: team, period: day, usd: 10, warn_at: 0.8}
    decision: deny          # ask | deny, once the spend reaches the limit
    message: The payments team spent its daily model budget.

``scope`` is whose spend counts: the ``session``'s own, its ``user``'s (the telemetry's
``user.account_uuid``), its ``team``'s (the ``team`` resource attribute) or the whole
``tenant``'s. ``period`` is the UTC ``day`` or ``month`` the spend is summed over, or the
session's ``life`` (the default, and only allowed period, of ``session``). The limit is either
``usd`` (Claude Code's cost estimate) or ``tokens`` (input + output + cache read + cache
creation). ``warn_at`` (a fraction, e.g. 0.8) makes the rule note a warning on the ruling
without blocking once that share of the limit is spent.

The spend itself comes from outside the domain (``CanTellSpend``: the API process's ledger),
so judging stays a pure function of the call and what the ledger says.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from domain.guardrails.values import Decision


class Scope(StrEnum):
    SESSION = "session"
    USER = "user"
    TEAM = "team"
    TENANT = "tenant"


class Period(StrEnum):
    DAY = "day"
    MONTH = "month"
    LIFE = "life"
    """The session's whole life (``session`` scope only)."""

    @property
    def label(self) -> str:
        return {"day": "daily", "month": "monthly", "life": "lifetime"}[self.value]


class Unit(StrEnum):
    USD = "usd"
    TOKENS = "tokens"


_USD = Unit.USD  # a module constant: reading a member off its enum class is slow (3.11)

BUDGET_KEYS = {"scope", "period", "usd", "tokens", "warn_at"}


def period_key(period: Period, at: datetime) -> str:
    """The window ``at`` falls in: ``2026-12-04``, ``2026-12`` or ``life``."""
    at = at.astimezone(UTC)
    if period is Period.DAY:
        return at.strftime("%Y-%m-%d")
    if period is Period.MONTH:
        return at.strftime("%Y-%m")
    return "life"


def period_end(period: Period, at: datetime) -> datetime | None:
    """When the window ``at`` falls in ends (None: a session's life has no known end)."""
    at = at.astimezone(UTC)
    if period is Period.DAY:
        start = at.replace(hour=0, minute=0, second=0, microsecond=0)
        return datetime.fromordinal(start.toordinal() + 1).replace(tzinfo=UTC)
    if period is Period.MONTH:
        year, month = (at.year + 1, 1) if at.month == 12 else (at.year, at.month + 1)
        return datetime(year, month, 1, tzinfo=UTC)
    return None


class Spent(NamedTuple):
    """What one owner spent in the current window of a period (a tuple: it is built on every
    budget rule of every decision)."""

    key: str
    """The owner: the session id, user id, team name or tenant id."""
    usd: float
    tokens: int


class CanTellSpend(Protocol):
    """The spend of the owners of a session (its user, team, tenant), in the current window."""

    def spent(self, session_id: str, scope: Scope, period: Period) -> Spent | None:
        """None: the session has no such owner known yet (e.g. no team attribute)."""


@dataclass(frozen=True)
class Budget:
    scope: Scope
    period: Period
    unit: Unit
    limit: float
    warn_at: float | None = None

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "scope": self.scope.value, "period": self.period.value, self.unit.value: self.limit,
        }  # fmt: skip
        if self.warn_at is not None:
            data["warn_at"] = self.warn_at
        return data

    def amount(self, spent: Spent) -> float:
        return spent[1] if self.unit is _USD else float(spent[2])

    def describe(self, key: str, amount: float) -> str:
        """``budget team:payments daily 12.40 USD of 10.00 USD``."""
        return (f"budget {self.scope.value}:{key} {self.period.label} "
                f"{self.format(amount)} of {self.format(self.limit)}")  # fmt: skip

    def format(self, amount: float) -> str:
        return f"{amount:,.2f} USD" if self.unit is Unit.USD else f"{amount:,.0f} tokens"

    def judge(self, spend: CanTellSpend | None, session_id: str) -> tuple[str | None, str | None]:
        """(what exhausted the budget, or None; the warning, or None)."""
        if spend is None:
            return None, None
        spent = spend.spent(session_id, self.scope, self.period)
        if spent is None:
            return None, None
        amount = self.amount(spent)
        if amount >= self.limit:
            return self.describe(spent.key, amount), None
        if self.warn_at is not None and amount >= self.warn_at * self.limit:
            share = 100 * amount / self.limit if self.limit else 100.0
            return None, f"{self.describe(spent.key, amount)} ({share:.0f} % used)"
        return None, None


def parse_budget(
    spec: Any, decision: Decision | None, where: str, problems: list[str]
) -> Budget | None:
    """Checks a rule's ``budget`` (and that the rule answers ask or deny)."""
    if not isinstance(spec, Mapping):
        problems.append(f"{where}: expected {{scope, period, usd | tokens, warn_at}}")
        return None
    start = len(problems)
    for key in sorted(set(spec) - BUDGET_KEYS):
        problems.append(f"{where}.{key}: unknown field (known: {', '.join(sorted(BUDGET_KEYS))})")
    scope = _member(Scope, spec.get("scope"), f"{where}.scope", problems)
    default = Period.LIFE if scope is Scope.SESSION else None
    period = _member(Period, spec.get("period", default), f"{where}.period", problems)
    if period is Period.LIFE and scope not in (Scope.SESSION, None):
        problems.append(f"{where}.period: life is a session's period; use day or month")
    if scope is Scope.SESSION and period not in (Period.LIFE, None):
        problems.append(f"{where}.period: a session budget counts the session's life (omit it)")
    units = [unit for unit in Unit if unit.value in spec]
    limit: float | None = None
    if len(units) != 1:
        problems.append(f"{where}: expected exactly one limit, usd or tokens")
    elif not _positive(spec[units[0].value]):
        problems.append(f"{where}.{units[0].value}: expected a positive number")
    else:
        limit = float(spec[units[0].value])
    warn_at = spec.get("warn_at")
    if warn_at is not None and not (_positive(warn_at) and float(warn_at) < 1):
        problems.append(f"{where}.warn_at: expected a fraction of the limit between 0 and 1")
    if decision is not None and decision is Decision.ALLOW:
        problems.append(f"{where}: a budget rule answers ask or deny once the budget is spent")
    if len(problems) > start or scope is None or period is None or limit is None:
        return None
    return Budget(scope, period, units[0], limit, None if warn_at is None else float(warn_at))


def _member(kind: Any, value: Any, where: str, problems: list[str]) -> Any:
    try:
        return kind(value)
    except ValueError:
        problems.append(f"{where}: expected one of {', '.join(m.value for m in kind)}")
        return None


def _positive(value: Any) -> bool:
    return (not isinstance(value, bool) and isinstance(value, int | float)
            and math.isfinite(value) and value > 0)  # fmt: skip
