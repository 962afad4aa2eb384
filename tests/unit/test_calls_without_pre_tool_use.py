"""Calls only PermissionDenied (auto-mode classifier) or PostToolBatch saw: metric marks settle
to the same totals in any order, ingest checks a batch's items, live state shows a denial.
(Their timeline rows, on every adapter: ``tests/contract/test_session_timeline_view.py``.)"""

from __future__ import annotations

import itertools

import pytest

from domain.sessions.errors import HookPayloadInvalidError
from domain.sessions.hooks import HookFacts, batch_calls
from projections.agent_metrics.calls import CallState, settle
from projections.agent_metrics.projection import AgentMetricsProjection
from projections.live_state.projection import LiveStateProjection, counters_of
from tests.unit.timeline_fixtures import BATCH, DENIED, POST, PRE, SID, record


def test_settling_marks_gives_the_same_totals_in_every_order_and_split():
    events = record(PRE, DENIED, POST, BATCH)
    marks = AgentMetricsProjection().changes(events).calls
    assert len(marks) == 5
    seen = set()
    for order in itertools.permutations(marks):
        for cut in range(len(order) + 1):
            stored: dict[tuple[str, str, str], CallState] = {}
            totals = [0, 0, 0, 0]
            for part in (list(order[:cut]), list(order[cut:])):
                settled, states = settle(part, stored)
                stored.update(states)
                for c in settled.values():
                    totals = [totals[0] + c.calls, totals[1] + c.completed,
                              totals[2] + c.failures, totals[3] + c.denials]  # fmt: skip
            seen.add(tuple(totals))
    assert seen == {(3, 2, 0, 1)}  # t1 denied; r1 and m1 completed


def test_ingest_checks_the_items_of_a_batch():
    base = {"session_id": SID, "hook_event_name": "PostToolBatch"}
    with pytest.raises(HookPayloadInvalidError, match="tool_calls: expected an array"):
        HookFacts.from_payload({**base, "tool_calls": {"tool_use_id": "x"}})
    with pytest.raises(HookPayloadInvalidError, match=r"tool_calls\[1\].tool_use_id"):
        HookFacts.from_payload({**base, "tool_calls": [{"tool_use_id": "a"},
                                                       {"tool_use_id": "../x"}]})  # fmt: skip
    assert HookFacts.from_payload({**base, "tool_calls": []}).hook == "PostToolBatch"


def test_reading_a_recorded_batch_skips_what_it_cannot_pair():
    found = batch_calls({"tool_calls": [
        {"tool_use_id": "a", "tool_name": "Read"}, {"tool_use_id": "a"}, "junk",
        {"tool_use_id": 5}, {"tool_use_id": "b", "tool_name": 7},
    ]})  # fmt: skip
    assert [(c.tool_use_id, c.tool.name if c.tool else None) for c in found] == [
        ("a", "Read"), ("b", None),
    ]  # fmt: skip
    assert batch_calls({"tool_calls": "nope"}) == ()


def test_live_state_shows_a_classifier_denial_as_a_denial():
    live = LiveStateProjection().changes(record(DENIED, BATCH)).events
    assert [(e.kind, e.decision) for e in live] == [("PermissionDenied", "deny"),
                                                   ("PostToolBatch", "")]  # fmt: skip
    assert "denials" in counters_of(live[0])
