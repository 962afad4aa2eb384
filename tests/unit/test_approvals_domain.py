"""Approval rules and the session's approval events, without servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.guardrails.errors import RuleDefinitionError
from domain.guardrails.rules import evaluate, parse_rule
from domain.guardrails.values import Decision, ToolCall
from domain.sessions.aggregate import AgentSession
from domain.sessions.errors import (
    ApprovalAnsweredError,
    ApprovalForbiddenError,
    ApprovalNotFoundError,
)
from domain.sessions.ruling import ApprovalAsk, Ruling

AT = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
RULE = {"id": "deploys", "tools": ["Bash"], "when": {"command": {"program": "kubectl"}},
        "decision": "approve", "approve": {"roles": ["operator"], "wait_seconds": 30}}  # fmt: skip


def test_an_approve_rule_keeps_who_may_answer_and_how_long_the_hook_waits() -> None:
    rule = parse_rule(RULE)
    assert rule.approval is not None
    assert (rule.approval.roles, rule.approval.wait_seconds) == (("operator",), 30)
    assert rule.approval.on_timeout is Decision.DENY and not rule.approval.self_approval
    assert parse_rule(rule.as_data()).approval == rule.approval


def test_a_wait_longer_than_the_hook_timeout_minus_the_margin_is_refused_with_the_limit() -> None:
    with pytest.raises(RuleDefinitionError) as refused:
        parse_rule({**RULE, "approve": {"wait_seconds": 58}})
    assert "wait at most 55 s" in str(refused.value)
    assert parse_rule({**RULE, "approve": {"wait_seconds": 58, "hook_timeout_seconds": 120}})


def test_an_approve_block_on_another_decision_and_unknown_fields_are_refused() -> None:
    with pytest.raises(RuleDefinitionError) as refused:
        parse_rule({**RULE, "decision": "deny"})
    assert "only a rule with decision: approve" in str(refused.value)
    with pytest.raises(RuleDefinitionError) as unknown:
        parse_rule({**RULE, "approve": {"who": "me", "on_timeout": "approve"}})
    assert "approve.who: unknown field" in str(unknown.value)
    assert "on_timeout: expected deny, ask or allow" in str(unknown.value)


def test_a_matching_approve_rule_gives_an_approve_verdict_with_its_approval() -> None:
    rule = parse_rule(RULE)
    verdict = evaluate([rule], ToolCall("Bash", {"command": "kubectl rollout restart web"}))
    assert verdict.decision is Decision.APPROVE and verdict.approval == rule.approval
    assert Decision.DENY.strictness > Decision.APPROVE.strictness > Decision.ASK.strictness


def _session(self_approval: bool = False, teams: tuple[str, ...] = ()) -> AgentSession:
    session = AgentSession.open("t1", "s1", AT)
    ask = ApprovalAsk("r1.ab", "kubectl delete pod", ("operator",), teams,
                      AT + timedelta(seconds=30), "deny", self_approval, "alice")  # fmt: skip
    ruling = Ruling("PreToolUse", "Bash", "tu1", "approve", "deploys", 1, "held", 0.1,
                    approval=ask)  # fmt: skip
    session.decide(ruling, at=AT)
    session.request_approval(ruling, at=AT)
    return session


def _answer(session: AgentSession, by: str = "bob", roles: str = "operator",
            teams: frozenset[str] = frozenset(), grant: bool = True) -> None:  # fmt: skip
    session.answer_approval("r1.ab", grant=grant, by=by, roles=frozenset({roles}), teams=teams,
                            reason="ok", at=AT + timedelta(seconds=3))  # fmt: skip


def test_an_answer_is_recorded_once_and_a_second_one_is_refused() -> None:
    session = _session()
    _answer(session)
    with pytest.raises(ApprovalAnsweredError):
        _answer(session, grant=False)
    with pytest.raises(ApprovalAnsweredError):
        session.expire_approval("r1.ab", at=AT + timedelta(seconds=31))
    assert [type(e).__name__ for e in session.collect_events()][-2:] == [
        "ApprovalRequested", "ApprovalGranted",
    ]  # fmt: skip


def test_the_agents_own_user_may_not_approve_unless_the_rule_allows_it() -> None:
    with pytest.raises(ApprovalForbiddenError):
        _answer(_session(), by="alice")
    _answer(_session(self_approval=True), by="alice")


def test_roles_and_teams_the_rule_does_not_name_are_refused() -> None:
    with pytest.raises(ApprovalForbiddenError):
        _answer(_session(), roles="viewer")
    with pytest.raises(ApprovalForbiddenError):
        _answer(_session(teams=("platform",)), teams=frozenset({"web"}))
    _answer(_session(teams=("platform",)), teams=frozenset({"platform"}))


def test_an_unknown_request_is_not_found_and_a_late_answer_is_refused() -> None:
    session = _session()
    with pytest.raises(ApprovalNotFoundError):
        session.answer_approval("r9.zz", grant=True, by="bob", roles=frozenset({"operator"}),
                                teams=frozenset(), reason="", at=AT)  # fmt: skip
    with pytest.raises(ApprovalAnsweredError):
        session.answer_approval("r1.ab", grant=True, by="bob", roles=frozenset({"operator"}),
                                teams=frozenset(), reason="", at=AT + timedelta(seconds=30))  # fmt: skip
    session.expire_approval("r1.ab", at=AT + timedelta(seconds=30))
    assert session.approvals["r1.ab"]["outcome"] == "expired"
