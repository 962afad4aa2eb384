"""The spend ledger each API process judges budget rules with, kept current from the event log.

A PreToolUse must not wait on a database query, so every API process (``serve --workers N``
included) folds the agents' model calls (``AgentSession.ModelCallRecorded``) into an in-memory
ledger: per (tenant, scope, owner, window) the dollars and tokens spent, and per session its
owners (the user and team its telemetry names). It follows the log like the policy does
(``commands.store.following``), reading only model calls, polled every ``POLL_SECONDS`` (the
event table notifies on every insert, far too often to wake on). Every replica converges on
the same sums; a budget therefore acts on the first PreToolUse after the ledger has read the
call that crossed it: eventual by at most the poll interval plus the commit.

A call counts in the window of when the agent says it happened (``event.timestamp`` of the
record), else when Observatory received it: the same minute the usage read model files it in.
Windows that ended more than one window ago are dropped as the clock moves on; sessions'
lifetime sums and owners are kept for as long as the process runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.utils import get_topic

from commands.store.application import EventStoreApplication
from commands.store.following import LogFollower
from domain.guardrails.budgets import Period, Scope, Spent, period_end, period_key
from domain.sessions.aggregate import AgentSession

POLL_SECONDS = 0.1
"""How often the ledger reads new model calls (the budget's lag, beside the commit)."""

TotalKey = tuple[str, Scope, str, str]
"""(tenant, scope, owner, window key)."""

Clock = Callable[[], datetime]

# Module constants: a decision asks the ledger once per budget rule, and reading an enum
# member off its class costs more than the lookups themselves (Python 3.11).
_SESSION, _TENANT, _USER, _LIFE = Scope.SESSION, Scope.TENANT, Scope.USER, Period.LIFE
_NOTHING = (0.0, 0)
_spent = tuple.__new__  # builds a Spent without NamedTuple's Python-level __new__


def tokens_of(event: Any) -> int:
    return int(event.input_tokens + event.output_tokens + event.cache_read_tokens
               + event.cache_creation_tokens)  # fmt: skip


class SpendLedger(LogFollower):
    topics = [get_topic(AgentSession.ModelCallRecorded), get_topic(AgentSession.ModelSpanRecorded)]

    def __init__(self, store: EventStoreApplication, clock: Clock | None = None) -> None:
        super().__init__(store)
        # Seconds since the epoch: time.time() is what a decision can afford to ask per rule.
        self._seconds: Callable[[], float] = (
            time.time if clock is None else (lambda: clock().timestamp())
        )
        self._totals: dict[TotalKey, tuple[float, int]] = {}
        self._owners: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        self._windows: dict[Period, tuple[float, str]] = {}
        self._progress = threading.Condition()
        self._views: dict[str, TenantSpend] = {}

    def for_tenant(self, tenant_id: str) -> TenantSpend:
        """What a tenant's sessions' owners spent (``domain.guardrails.budgets.CanTellSpend``)."""
        view = self._views.get(tenant_id)
        if view is None:
            view = self._views[tenant_id] = TenantSpend(self, tenant_id)
        return view

    def spent(self, tenant_id: str, session_id: str, scope: Scope, period: Period) -> Spent | None:
        if scope is _SESSION:
            key = session_id
        elif scope is _TENANT:
            key = tenant_id
        else:
            owners = self._owners.get((tenant_id, session_id))
            owner = None if owners is None else owners[0] if scope is _USER else owners[1]
            if owner is None:
                return None
            key = owner
        window = "life" if period is _LIFE else self._window(period)
        found: Spent = _spent(Spent, (key, *self._totals.get((tenant_id, scope, key, window),
                                                            _NOTHING)))  # fmt: skip
        return found

    def _window(self, period: Period) -> str:
        """The current window's key, recomputed only when the clock passes its end."""
        seconds = self._seconds()
        cached = self._windows.get(period)
        if cached is None or seconds >= cached[0]:
            now = datetime.fromtimestamp(seconds, UTC)
            cached = ((period_end(period, now) or now).timestamp(), period_key(period, now))
            self._windows[period] = cached
            self._prune(now)
        return cached[1]

    def _prune(self, now: datetime) -> None:
        """Drops windows older than the previous one (late calls still land in that)."""
        last_month = now.replace(day=1) - timedelta(days=1)
        keep = {"life", period_key(Period.DAY, now), period_key(Period.MONTH, now),
                period_key(Period.DAY, now - timedelta(days=1)),
                period_key(Period.MONTH, last_month)}  # fmt: skip
        for total in [k for k in list(self._totals) if k[3] not in keep]:
            self._totals.pop(total, None)

    def _apply(self, event: Any) -> None:
        tenant, session = str(event.tenant_id), str(event.session_id)
        at = event.occurred_at or event.timestamp
        known = self._owners.get((tenant, session), (None, None))
        owners = (event.user_id or known[0], event.team or known[1])
        if owners != known:
            self._owners[(tenant, session)] = owners
        usd, tokens = float(event.cost_usd), tokens_of(event)
        self._add((tenant, Scope.SESSION, session, "life"), usd, tokens)
        for period in (Period.DAY, Period.MONTH):
            window = period_key(period, at)
            self._add((tenant, Scope.TENANT, tenant, window), usd, tokens)
            for scope, owner in ((Scope.USER, owners[0]), (Scope.TEAM, owners[1])):
                if owner:
                    self._add((tenant, scope, owner, window), usd, tokens)

    def _add(self, key: TotalKey, usd: float, tokens: int) -> None:
        # One tuple replaced per key: a reader on another thread sees the old or the new sums.
        old = self._totals.get(key, (0.0, 0))
        self._totals[key] = (old[0] + usd, old[1] + tokens)

    def catch_up(self) -> int:
        head = super().catch_up()
        with self._progress:
            self._progress.notify_all()
        return head

    def wait_for(self, position: int, timeout: float) -> bool:
        """Blocks until the ledger has read the log up to ``position`` (False: timed out)."""
        with self._progress:
            return self._progress.wait_for(lambda: self.position >= position, timeout)

    def start_polling(self) -> tuple[threading.Thread, threading.Event]:
        """Follows on a daemon thread, polling (set the returned event, then join, to stop)."""
        stop = threading.Event()
        thread = threading.Thread(target=self.follow, args=(None, stop, POLL_SECONDS),
                                  name="SpendLedger", daemon=True)  # fmt: skip
        thread.start()
        return thread, stop


class TenantSpend:
    """One tenant's view of the ledger, as the budget rules ask it."""

    __slots__ = ("_ledger", "_tenant")

    def __init__(self, ledger: SpendLedger, tenant_id: str) -> None:
        self._ledger, self._tenant = ledger, tenant_id

    def spent(self, session_id: str, scope: Scope, period: Period) -> Spent | None:
        return self._ledger.spent(self._tenant, session_id, scope, period)
