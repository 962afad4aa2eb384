"""The budget forecaster of the scoring worker: real model-call documents (as the relay
publishes them) in, one ``budget_exhaustion_forecast`` alert per owner and window out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from commands.alerts.service import AlertDesk
from commands.guardrails.follower import PolicyFollower
from commands.guardrails.service import PolicyDesk
from commands.ml.service import ModelRegistry
from commands.reactions.relay.public_events import publication
from commands.reactions.scoring.budgets import MIN_CALLS, BudgetWatch
from commands.store.application import EventStoreApplication
from domain.alerts.alert import BUDGET_FORECAST, Alert
from infra.model_store import ModelStore
from ml.inference import SessionModels
from tests.unit.test_budgets import model_call

START = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
SESSION_CAP = {"id": "session-cap", "budget": {"scope": "session", "usd": 5},
               "decision": "deny"}  # fmt: skip
TEAM_MONTH = {"id": "team-month", "budget": {"scope": "team", "period": "month",
                                             "usd": 100_000}, "decision": "ask"}  # fmt: skip


def documents(store: EventStoreApplication, after: int = 0) -> list[dict[str, Any]]:
    """What the relay published of the store's events after position ``after``."""
    found = store.recorder.select_notifications(start=after, limit=1000,
                                                inclusive_of_start=False)  # fmt: skip
    return [json.loads(publication(n.id, store.mapper.to_domain_event(n), "obs").body)
            for n in found]  # fmt: skip


def policies(*rules: dict[str, Any]) -> PolicyDesk:
    desk = PolicyDesk()
    for rule in rules:
        desk.add_rule("t1", rule, by="ops")
    return desk


def watch(desk: PolicyDesk) -> BudgetWatch:
    """No burn-rate version is promoted: the default parameters (the artifact store is
    never asked, so it points nowhere)."""
    return BudgetWatch(PolicyFollower(desk), ModelRegistry(), ModelStore("", ""), SessionModels())


def test_a_budget_that_will_run_out_before_its_window_ends_raises_one_alert():
    store, forecaster = EventStoreApplication(), watch(policies(SESSION_CAP, TEAM_MONTH))
    for minute in range(MIN_CALLS - 1):
        model_call(store, "s1", 0.5, START + timedelta(minutes=minute))
    assert forecaster.forecasts(documents(store)) == []  # too few calls to say a rate
    seen = store.recorder.max_notification_id()
    model_call(store, "s1", 0.5, START + timedelta(minutes=MIN_CALLS))
    (alert,) = forecaster.forecasts(documents(store, seen))  # the team's month is far off
    assert (alert.rule_id, alert.owner, alert.window) == ("session-cap", "session:s1", "life")
    assert "budget session:s1 lifetime 1.50 USD of 5.00 USD" in alert.reason
    assert alert.share == 0.3
    # once per owner and window: later calls and a redelivery of everything raise nothing
    seen = store.recorder.max_notification_id()
    model_call(store, "s1", 0.5, START + timedelta(minutes=MIN_CALLS + 1))
    assert forecaster.forecasts(documents(store, seen)) == []
    assert forecaster.forecasts(documents(store)) == []


def test_a_slow_burn_raises_nothing():
    store, forecaster = EventStoreApplication(), watch(policies(SESSION_CAP))
    for hour in range(MIN_CALLS + 2):
        model_call(store, "s1", 0.01, START + timedelta(hours=hour))
    assert forecaster.forecasts(documents(store)) == []


def test_the_alert_is_raised_once_even_by_two_workers():
    store, desk = EventStoreApplication(), policies(SESSION_CAP)
    for minute in range(MIN_CALLS):
        model_call(store, "s1", 1.0, START + timedelta(minutes=minute))
    (first,) = watch(desk).forecasts(documents(store))
    (again,) = watch(desk).forecasts(documents(store))  # another worker, or a restart
    alerts = AlertDesk()
    assert alerts.forecast_budget_exhaustion(first).position > 0
    assert alerts.forecast_budget_exhaustion(again).position == 0
    (stored,) = alerts.recorder.select_notifications(start=0, limit=10)
    raised = alerts.mapper.to_domain_event(stored)
    assert isinstance(raised, Alert.Raised)
    assert (raised.model_kind, raised.severity, raised.session_id, raised.tenant_id) == (
        BUDGET_FORECAST, "warning", "s1", "t1",
    )  # fmt: skip
