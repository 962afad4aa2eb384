"""The what-if simulation service, on in-memory persistence: stored calls, proposed rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from commands.guardrails.simulation import proposed_rules, simulate
from commands.ingest.service import Ingestor
from domain.guardrails.errors import RuleDefinitionError
from tests.conftest import S1, session_files
from tests.unit.timeline_fixtures import START, hook_command

NO_EDITS = {"id": "no-edits", "tools": ["Edit", "Write"], "decision": "ask", "mode": "shadow",
            "when": {"path": {"glob": ["*.py", "*.ts"]}}}  # fmt: skip


def recorded(*tenants: str) -> Ingestor:
    """The corpus recorded once per tenant, two seconds between hooks from START."""
    app = Ingestor()
    texts = [p.read_text() for p in session_files()]
    for tenant in tenants:
        app.record([hook_command(t, 2 * i, tenant) for i, t in enumerate(texts)])
    return app


def test_proposed_rules_report_per_session_what_they_would_have_asked():
    app = recorded("default")
    head = app.recorder.max_notification_id()
    report = simulate(app, proposed_rules([NO_EDITS]))
    assert (report.calls, report.rules) == (16, ["no-edits"])
    outcome = report.sessions[S1["id"]]
    assert (outcome.decisions["ask"], outcome.decisions["deny"]) == (2, 0)  # an Edit, a Write
    assert all(example.startswith("no-edits: ") for example in outcome.examples)
    assert (report.total("ask"), report.total("deny")) == (2, 0)
    assert report.as_data()["sessions"][S1["id"]] == {
        "deny": 0, "ask": 2, "allow": 0, "examples": outcome.examples,
    }  # fmt: skip
    assert app.recorder.max_notification_id() == head  # a simulation records nothing


def test_a_shadow_rule_is_simulated_as_if_it_were_enforced():
    (rule,) = proposed_rules({"rules": [NO_EDITS]})
    assert rule.mode.value == "enforce"


def test_only_the_named_tenants_calls_are_replayed():
    app = recorded("a", "b")
    assert simulate(app, proposed_rules([NO_EDITS])).calls == 32
    only_a = simulate(app, proposed_rules([NO_EDITS]), tenant_id="a")
    assert only_a.calls == 16
    assert only_a.total("ask") == 2


def test_calls_before_since_are_left_out():
    app = recorded("default")
    rules = proposed_rules([NO_EDITS])
    assert simulate(app, rules, since=START).calls == 16
    assert simulate(app, rules, since=START + timedelta(days=1)).calls == 0


def test_progress_is_told_each_position_reached_in_log_order():
    app = recorded("default")
    reached: list[int] = []
    simulate(app, proposed_rules([NO_EDITS]), progress=reached.append)
    assert len(reached) == 16
    assert reached == sorted(reached)
    assert reached[-1] <= int(app.recorder.max_notification_id() or 0)


def test_invalid_proposed_rules_name_every_problem():
    with pytest.raises(RuleDefinitionError) as refused:
        proposed_rules([{"id": "x"}, {"id": "y", "decision": "maybe", "when": {}}])
    where = [problem.split(":")[0] for problem in refused.value.problems]
    assert where == ["rules[0].decision", "rules[0].when", "rules[1].decision", "rules[1].when"]
