"""Calls only PermissionDenied (auto-mode classifier) or PostToolBatch saw are tool calls:
one row each in the timeline, counted once in metrics, whatever order and batching."""

from __future__ import annotations

import itertools
import json

import pytest

from commands.ingest.service import Ingestor
from domain.sessions.errors import HookPayloadInvalidError
from domain.sessions.hooks import HookFacts, batch_calls
from projections.agent_metrics.calls import CallState, settle
from projections.agent_metrics.projection import AgentMetricsProjection
from projections.live_state.projection import LiveStateProjection, counters_of
from projections.session_timeline.memory import InMemorySessionTimelineView
from projections.session_timeline.projection import SessionTimelineProjection
from tests.conftest import AUTO_MODE, S2, auto_mode_files
from tests.unit.timeline_fixtures import hook_command

SID = "auto-1"
PRE = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_use_id": "t1",
       "tool_input": {"command": "npm publish"}}  # fmt: skip
DENIED = {"hook_event_name": "PermissionDenied", "tool_name": "Bash", "tool_use_id": "t1",
          "tool_input": {"command": "npm publish"}, "reason": "irreversible"}  # fmt: skip
POST = {"hook_event_name": "PostToolUse", "tool_name": "Read", "tool_use_id": "r1",
        "tool_response": {}, "duration_ms": 7}  # fmt: skip
FAILED = {"hook_event_name": "PostToolUseFailure", "tool_name": "Read", "tool_use_id": "r1",
          "error": "ENOENT"}  # fmt: skip
BATCH = {"hook_event_name": "PostToolBatch", "tool_calls": [
    {"tool_name": "Read", "tool_input": {}, "tool_use_id": "r1", "tool_response": "x"},
    {"tool_name": "mcp__docs-site__search", "tool_input": {}, "tool_use_id": "m1"},
]}  # fmt: skip


def record(*hooks: dict[str, object]) -> list[tuple[int, object]]:
    """The hooks of one session, recorded in order on in-memory persistence."""
    app = Ingestor()
    app.record([hook_command(json.dumps({"session_id": SID, **h}), i) for i, h in enumerate(hooks)])
    return [(n.id, app.mapper.to_domain_event(n))
            for n in app.recorder.select_notifications(start=1, limit=1_000)]  # fmt: skip


def timeline(events, size: int | None = None) -> InMemorySessionTimelineView:
    view, projection = InMemorySessionTimelineView(), SessionTimelineProjection()
    size = size or len(events)
    for start in range(0, len(events), size):
        batch = events[start : start + size]
        view.apply(projection.changes(batch), view.position(), batch[-1][0])
    return view


def calls(view: InMemorySessionTimelineView) -> dict[str, dict[str, object]]:
    return {key[2]: row for key, row in view.tool_calls.items()}


def metrics(events, size: int | None = None) -> dict[str, int]:
    """Metric totals, the marks settled batch by batch over a carried state (as the view does)."""
    projection, stored = AgentMetricsProjection(), {}
    totals = dict.fromkeys(("calls", "completed", "failures", "denials"), 0)
    size = size or len(events)
    for start in range(0, len(events), size):
        changes = projection.changes(events[start : start + size])
        settled, states = settle(changes.calls, stored)
        stored.update(states)
        for counts in [*changes.minutes.values(), *settled.values()]:
            for name in totals:
                totals[name] += getattr(counts, name)
    return totals


def test_a_call_only_the_classifier_denied_is_one_denied_call():
    view = timeline(record(DENIED))
    call = calls(view)["t1"]
    assert (call["status"], call["decision"], call["decision_source"]) == (
        "DENIED", "deny", "classifier",
    )  # fmt: skip
    assert (call["tool_name"], call["decision_rule"]) == ("Bash", None)
    assert call["requested_at"] is not None
    assert view.sessions[("default", SID)]["tool_call_count"] == 1
    assert metrics(record(DENIED)) == {"calls": 1, "completed": 0, "failures": 0, "denials": 1}


@pytest.mark.parametrize("order", [(PRE, DENIED), (DENIED, PRE)])
@pytest.mark.parametrize("size", [1, 2])
def test_a_denial_and_a_pre_tool_use_of_the_same_call_make_one_call(order, size):
    events = record(*order)
    view = timeline(events, size)
    assert list(calls(view)) == ["t1"]
    assert calls(view)["t1"]["status"] == "DENIED"
    assert view.sessions[("default", SID)]["tool_call_count"] == 1
    assert metrics(events, size) == {"calls": 1, "completed": 0, "failures": 0, "denials": 1}


def test_a_batch_alone_completes_one_call_per_item():
    view = timeline(record(BATCH))
    found = calls(view)
    assert set(found) == {"r1", "m1"}
    assert {row["status"] for row in found.values()} == {"SUCCEEDED"}
    assert (found["m1"]["mcp_server"], found["m1"]["mcp_tool"]) == ("docs-site", "search")
    assert found["r1"]["batch_completed_at"] is not None
    assert view.sessions[("default", SID)]["tool_call_count"] == 2
    assert metrics(record(BATCH)) == {"calls": 2, "completed": 2, "failures": 0, "denials": 0}


@pytest.mark.parametrize("order", [(BATCH, POST), (POST, BATCH)])
@pytest.mark.parametrize("size", [1, 2])
def test_a_batch_and_a_post_tool_use_of_the_same_call_count_once(order, size):
    events = record(*order)
    view = timeline(events, size)
    r1 = calls(view)["r1"]
    assert (r1["status"], r1["duration_ms"]) == ("SUCCEEDED", 7.0)
    assert view.sessions[("default", SID)]["tool_call_count"] == 2  # r1 and m1
    assert metrics(events, size) == {"calls": 2, "completed": 2, "failures": 0, "denials": 0}


@pytest.mark.parametrize("order", [(BATCH, FAILED), (FAILED, BATCH)])
@pytest.mark.parametrize("size", [1, 2])
def test_a_batch_never_turns_a_failure_into_a_success(order, size):
    events = record(*order)
    assert calls(timeline(events, size))["r1"]["status"] == "FAILED"
    assert metrics(events, size) == {"calls": 2, "completed": 1, "failures": 1, "denials": 0}


def test_a_batch_does_not_undo_a_classifier_denial():
    denied_read = {**DENIED, "tool_name": "Read", "tool_use_id": "r1"}
    for order in ((denied_read, BATCH), (BATCH, denied_read)):
        events = record(*order)
        assert calls(timeline(events))["r1"]["status"] == "DENIED"
        assert metrics(events)["denials"] == 1


def test_the_auto_mode_corpus_gives_the_manifest_calls_in_any_batching():
    texts = [p.read_text() for p in auto_mode_files()]
    app = Ingestor()
    app.record([hook_command(t, i) for i, t in enumerate(texts)])
    events = [(n.id, app.mapper.to_domain_event(n))
              for n in app.recorder.select_notifications(start=1, limit=1_000)]  # fmt: skip
    expected = AUTO_MODE["expected_tool_calls"]
    views = [timeline(events, size) for size in range(1, len(events) + 1)]
    for view in views:
        found = calls(view)
        assert set(found) == set(expected)
        for call_id, want in expected.items():
            assert {k: found[call_id][k] for k in want} == want, call_id
        assert view.sessions[("default", S2["id"])]["tool_call_count"] == len(expected)
        assert view.tool_calls == views[0].tool_calls
        assert view.sessions == views[0].sessions
    for size in range(1, len(events) + 1):
        assert metrics(events, size) == AUTO_MODE["expected_metrics"]


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
