"""Budget rules: how they are written and checked, how they judge, and the spend ledger's sums
per scope and window (on the in-memory event store, with real model-call events)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.application import AggregateNotFoundError

from commands.guardrails.budgets import SpendLedger
from commands.guardrails.follower import PolicyFollower
from commands.guardrails.service import PolicyDesk
from commands.store.application import EventStoreApplication
from domain.guardrails.budgets import Period, Scope, Spent, period_end, period_key
from domain.guardrails.defaults import default_rules
from domain.guardrails.errors import RuleDefinitionError
from domain.guardrails.rules import evaluate, ordered, parse_rule
from domain.guardrails.values import Decision, Mode, ToolCall
from domain.sessions.aggregate import AgentSession
from domain.sessions.telemetry import ModelUsage, TelemetryFacts
from domain.sessions.values import session_stream_id

TEAM_DAILY = {
    "id": "payments-daily", "budget": {"scope": "team", "period": "day", "usd": 10,
                                       "warn_at": 0.8},
    "decision": "deny",
}  # fmt: skip
NOW = datetime(2026, 12, 4, 13, 30, tzinfo=UTC)


class Spend:
    """A fixed answer of the ledger (``CanTellSpend``), for the pure rule tests."""

    def __init__(self, usd: float, tokens: int = 0, key: str = "payments") -> None:
        self.answer = Spent(key, usd, tokens)

    def spent(self, session_id: str, scope: Scope, period: Period) -> Spent | None:
        return self.answer


def call(spend: Spend | None, command: str = "ls") -> ToolCall:
    return ToolCall("Bash", {"command": command}, "s1", None, spend)


# Writing and checking rules


def test_a_budget_rule_round_trips_as_data_and_keeps_its_budget():
    rule = parse_rule(TEAM_DAILY)
    assert rule.budget is not None
    assert (rule.budget.scope, rule.budget.period, rule.budget.limit) == (
        Scope.TEAM, Period.DAY, 10.0,
    )  # fmt: skip
    data = rule.as_data()
    assert "when" not in data
    assert data["budget"] == {"scope": "team", "period": "day", "usd": 10.0, "warn_at": 0.8}
    assert parse_rule(data).as_data() == data


def test_a_session_budget_counts_the_sessions_life_by_default():
    rule = parse_rule({"id": "s", "budget": {"scope": "session", "tokens": 500_000},
                       "decision": "ask"})  # fmt: skip
    assert rule.budget is not None and rule.budget.period is Period.LIFE


@pytest.mark.parametrize(
    ("budget", "decision", "problem"),
    [
        ({"scope": "org", "period": "day", "usd": 1}, "deny", "budget.scope: expected one of"),
        ({"scope": "team", "period": "week", "usd": 1}, "deny", "budget.period: expected one"),
        ({"scope": "team", "usd": 1}, "deny", "budget.period: expected one of"),
        ({"scope": "team", "period": "life", "usd": 1}, "deny", "life is a session's period"),
        ({"scope": "session", "period": "day", "usd": 1}, "deny", "counts the session's life"),
        ({"scope": "team", "period": "day"}, "deny", "exactly one limit, usd or tokens"),
        ({"scope": "team", "period": "day", "usd": 1, "tokens": 5}, "deny", "exactly one"),
        ({"scope": "team", "period": "day", "usd": -3}, "deny", "budget.usd: expected a positive"),
        ({"scope": "team", "period": "day", "usd": True}, "deny", "expected a positive"),
        ({"scope": "team", "period": "day", "usd": 1, "warn_at": 1.5}, "deny", "warn_at"),
        ({"scope": "team", "period": "day", "usd": 1, "cap": 2}, "deny", "budget.cap: unknown"),
        ({"scope": "team", "period": "day", "usd": 1}, "allow", "answers ask or deny"),
        ("10 USD", "deny", "budget: expected {scope, period"),
    ],
)
def test_a_bad_budget_is_refused_with_where_and_why(budget, decision, problem):
    with pytest.raises(RuleDefinitionError) as error:
        parse_rule({"id": "b", "budget": budget, "decision": decision})
    assert any(problem in p for p in error.value.problems), error.value.problems


def test_a_budget_rule_has_no_condition():
    with pytest.raises(RuleDefinitionError, match="a budget rule has no condition"):
        parse_rule({**TEAM_DAILY, "when": {"builtin": "destructive_rm"}})


def test_a_budget_rule_is_a_policy_change_with_a_new_version():
    desk = PolicyDesk()
    change = desk.add_rule("t1", TEAM_DAILY, by="ops")
    assert change.version == 2
    with pytest.raises(RuleDefinitionError):
        desk.add_rule("t1", {**TEAM_DAILY, "id": "x", "budget": {"scope": "team"}}, by="ops")
    follower = PolicyFollower(desk)
    follower.catch_up()
    guard = follower.state.for_tenant("t1")
    assert guard.budgeted and guard.version == 2
    assert not follower.state.for_tenant("other").budgeted


# Judging


def test_a_spent_budget_denies_with_the_rule_and_the_spend_in_the_reason():
    verdict = evaluate([parse_rule(TEAM_DAILY)], call(Spend(12.4)))
    assert (verdict.decision, verdict.rule_id) == (Decision.DENY, "payments-daily")
    assert verdict.message is not None
    assert "budget team:payments daily 12.40 USD of 10.00 USD" in verdict.message


def test_a_budget_can_ask_instead_and_count_tokens():
    rule = parse_rule({"id": "tok", "budget": {"scope": "user", "period": "month",
                                               "tokens": 1_000_000}, "decision": "ask"})  # fmt: skip
    verdict = evaluate([rule], call(Spend(0.0, 1_250_000, key="u-1")))
    assert verdict.decision is Decision.ASK
    assert "budget user:u-1 monthly 1,250,000 tokens of 1,000,000 tokens" in str(verdict.message)


def test_past_the_warning_share_the_ruling_notes_a_warning_without_deciding():
    verdict = evaluate([parse_rule(TEAM_DAILY)], call(Spend(8.5)))
    assert verdict.decision is None
    assert verdict.rule_id == "payments-daily"
    assert "8.50 USD of 10.00 USD (85 % used)" in str(verdict.message)
    assert evaluate([parse_rule(TEAM_DAILY)], call(Spend(7.9))) == evaluate([], call(None))


def test_an_unknown_owner_or_no_ledger_is_no_budget():
    class Unknown(Spend):
        def spent(self, session_id: str, scope: Scope, period: Period) -> Spent | None:
            return None

    assert evaluate([parse_rule(TEAM_DAILY)], call(Unknown(0))).decision is None
    assert evaluate([parse_rule(TEAM_DAILY)], call(None)).decision is None


def test_a_guardrail_that_matches_first_still_decides_and_a_shadow_budget_only_records():
    rules = ordered([*default_rules(), parse_rule(TEAM_DAILY)])
    verdict = evaluate(rules, call(Spend(50.0), "rm -rf /"))
    assert verdict.rule_id == "destructive_rm"
    shadow = parse_rule(TEAM_DAILY).with_mode(Mode.SHADOW)
    verdict = evaluate([shadow], call(Spend(50.0)))
    assert verdict.decision is None
    assert [hit.rule_id for hit in verdict.shadow] == ["payments-daily"]


def test_windows_are_utc_days_and_months():
    late = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    assert (period_key(Period.DAY, late), period_key(Period.MONTH, late)) == ("2026-12-31",
                                                                              "2026-12")  # fmt: skip
    assert period_end(Period.DAY, late) == datetime(2027, 1, 1, tzinfo=UTC)
    assert period_end(Period.MONTH, late) == datetime(2027, 1, 1, tzinfo=UTC)
    assert period_end(Period.LIFE, late) is None


# The ledger


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def model_call(store: EventStoreApplication, session: str, usd: float, at: datetime,
               *, user: str | None = "u-1", team: str | None = "payments",
               tokens: int = 100, tenant: str = "t1") -> None:  # fmt: skip
    """A real ``ModelCallRecorded`` of ``session``, saved in ``store``."""
    try:
        agent: AgentSession = store.repository.get(session_stream_id(tenant, session))
    except AggregateNotFoundError:
        agent = AgentSession.open(tenant, session, at)
    facts = TelemetryFacts(
        session, "claude_code.api_request", occurred_at=at, user_id=user, team=team,
        usage=ModelUsage("claude-opus-4-5", tokens, 0, 0, 0, usd, 100.0, None),
    )  # fmt: skip
    agent.record_telemetry(facts, "{}", received_at=at, source="otlp-logs")
    store.save(agent)


def test_the_ledger_sums_each_scope_and_learns_a_sessions_owners_from_its_telemetry():
    store, clock = EventStoreApplication(), Clock(NOW)
    model_call(store, "s1", 1.5, NOW)
    model_call(store, "s1", 2.0, NOW, user=None, team=None)  # owners already known
    model_call(store, "s2", 4.0, NOW, user="u-2")
    model_call(store, "s3", 8.0, NOW, user="u-3", team="search")
    model_call(store, "s9", 100.0, NOW, tenant="t2")
    ledger = SpendLedger(store, clock)
    assert ledger.catch_up() == store.recorder.max_notification_id()
    spend = ledger.for_tenant("t1")
    assert spend.spent("s1", Scope.SESSION, Period.LIFE) == Spent("s1", 3.5, 200)
    assert spend.spent("s1", Scope.USER, Period.DAY) == Spent("u-1", 3.5, 200)
    assert spend.spent("s2", Scope.TEAM, Period.DAY) == Spent("payments", 7.5, 300)
    assert spend.spent("s1", Scope.TENANT, Period.MONTH) == Spent("t1", 15.5, 400)
    assert spend.spent("unknown", Scope.TEAM, Period.DAY) is None
    assert spend.spent("unknown", Scope.SESSION, Period.LIFE) == Spent("unknown", 0.0, 0)


def test_the_ledger_rolls_over_at_midnight_and_at_the_month_utc():
    store, clock = EventStoreApplication(), Clock(datetime(2026, 11, 30, 23, 0, tzinfo=UTC))
    model_call(store, "s1", 3.0, clock.now)
    ledger = SpendLedger(store, clock)
    ledger.catch_up()
    spend = ledger.for_tenant("t1")
    assert spend.spent("s1", Scope.TEAM, Period.DAY) == Spent("payments", 3.0, 100)
    clock.now += timedelta(hours=1, minutes=30)  # 00:30 on 1 December
    model_call(store, "s1", 1.0, clock.now)
    ledger.catch_up()
    assert spend.spent("s1", Scope.TEAM, Period.DAY) == Spent("payments", 1.0, 100)
    assert spend.spent("s1", Scope.TEAM, Period.MONTH) == Spent("payments", 1.0, 100)
    assert spend.spent("s1", Scope.SESSION, Period.LIFE) == Spent("s1", 4.0, 200)


def test_a_call_counts_in_the_window_the_agent_says_it_happened_in():
    store, clock = EventStoreApplication(), Clock(NOW)
    model_call(store, "s1", 5.0, NOW - timedelta(days=1))
    ledger = SpendLedger(store, clock)
    ledger.catch_up()
    spend = ledger.for_tenant("t1")
    assert spend.spent("s1", Scope.TEAM, Period.DAY) == Spent("payments", 0.0, 0)
    assert spend.spent("s1", Scope.TEAM, Period.MONTH) == Spent("payments", 5.0, 100)
