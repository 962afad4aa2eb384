"""The session timeline, on every adapter (in-memory and PostgreSQL, which must hold the same
rows): pairing, durations, attribution, lifecycle, batch-boundary invariance, and the calls
only PermissionDenied (auto-mode classifier) or PostToolBatch saw — one row each, counted once
in the timeline and the metrics, whatever order and batching."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.ingest.messages import Command, RecordTelemetry, TelemetryItem
from commands.ingest.service import Ingestor
from domain.sessions.spans import SpanRecord, span_facts
from projections.agent_metrics.calls import settle
from projections.agent_metrics.projection import AgentMetricsProjection
from tests.conftest import AUTO_MODE, MANIFEST, S1, S2, SUB1, auto_mode_files
from tests.contract.timeline_views import TimelineRows, TimelineUnderTest
from tests.unit.timeline_fixtures import (
    BATCH,
    DENIED,
    FAILED,
    POST,
    PRE,
    SID,
    START,
    hook_command,
    record,
    recorded_corpus,
)

EVENTS = recorded_corpus()


def test_the_corpus_session_has_its_lifecycle_counts_and_context(timeline_view: TimelineUnderTest):
    view = timeline_view.project(EVENTS)
    session = view.sessions[("default", S1["id"])]
    assert session["status"] == "ENDED"
    assert session["event_count"] == 48
    assert session["prompt_count"] == 2
    assert session["model"] == S1["model"]
    assert session["cwd"] == S1["cwd"]
    assert session["project"] == "ledger-api"
    assert session["transcript_path"] == S1["tp"]
    assert session["subagent_count"] == 1
    assert session["compaction_count"] == 1
    assert session["end_reason"] == "prompt_input_exit"
    assert session["started_at"] is not None and session["ended_at"] is not None


def test_tool_calls_pair_by_tool_use_id(timeline_view: TimelineUnderTest):
    view = timeline_view.project(EVENTS)
    calls = {key[2]: row for key, row in view.tool_calls.items()}
    paired_hooks = ("PreToolUse", "PostToolUse", "PostToolUseFailure")
    ids = {h["tool_use_id"] for h in MANIFEST["hooks"] if h.get("hook_event_name") in paired_hooks}
    assert set(calls) == ids
    grep = calls["toolu_01HgiKXSjjarvO0oeFGPRMbw"]
    assert (grep["tool_name"], grep["status"], grep["duration_ms"]) == ("Grep", "SUCCEEDED", 41.0)
    failed = calls["toolu_01rpziveMXCWR7DMK8147fK5"]
    assert failed["status"] == "FAILED"
    assert "Rollup failed" in failed["error"]
    mcp = calls["toolu_01dk4Gb1bK5OsHlTrKroZqGG"]
    assert (mcp["mcp_server"], mcp["mcp_tool"]) == ("postgres-prod", "query")


def test_calls_never_closed_before_the_session_ended_are_abandoned(
    timeline_view: TimelineUnderTest,
):
    view = timeline_view.project(EVENTS)
    never_closed = {
        h["tool_use_id"] for h in MANIFEST["hooks"] if h.get("hook_event_name") == "PreToolUse"
    } - {
        h["tool_use_id"]
        for h in MANIFEST["hooks"]
        if str(h.get("hook_event_name")).startswith("PostToolUse")
    }
    statuses = {key[2]: row["status"] for key, row in view.tool_calls.items()}
    assert never_closed
    assert {statuses[t] for t in never_closed} == {"ABANDONED"}


def test_an_orphan_close_is_accepted_as_a_call_without_a_request(timeline_view: TimelineUnderTest):
    # 025 closes a call whose PreToolUse the corpus deliberately omits.
    row = timeline_view.project(EVENTS).tool_calls[
        ("default", S1["id"], "toolu_01NBiiLkR0CczbjE0m5ssiU8")
    ]
    assert (row["status"], row["requested_at"], row["tool_name"]) == ("SUCCEEDED", None, "Bash")
    assert row["duration_ms"] is not None


def test_a_late_close_after_the_session_ended_still_completes_the_call(
    timeline_view: TimelineUnderTest,
):
    late = {
        "session_id": S1["id"],
        "hook_event_name": "PostToolUse",
        "tool_name": "Bash",
        "tool_use_id": "toolu_01Z8lTHp7zlclU4OEgqEMMtm",
        "duration_ms": 7,
    }
    view = timeline_view.project(recorded_corpus([json.dumps(late)]))
    row = view.tool_calls[("default", S1["id"], "toolu_01Z8lTHp7zlclU4OEgqEMMtm")]
    assert (row["status"], row["duration_ms"]) == ("SUCCEEDED", 7)


def test_subagent_calls_are_attributed_and_the_spawn_links_its_agent(
    timeline_view: TimelineUnderTest,
):
    view = timeline_view.project(EVENTS)
    calls = {key[2]: row for key, row in view.tool_calls.items()}
    expected = {
        h["tool_use_id"]: h["agent_id"]
        for h in MANIFEST["hooks"]
        if h.get("hook_event_name") == "PreToolUse"
    }
    assert {t: calls[t]["agent_id"] for t in expected} == expected
    agent = view.subagents[("default", S1["id"], SUB1["agent_id"])]
    assert (agent["agent_type"], agent["attribution"], agent["tool_call_count"]) == (
        SUB1["agent_type"],
        "explicit",
        2,
    )
    assert agent["started_at"] < agent["stopped_at"]
    assert calls["toolu_01Omw1W2IsivGfH6dBBy4mn9"]["spawned_agent_id"] == SUB1["agent_id"]


def test_events_keep_their_payload_and_order(timeline_view: TimelineUnderTest):
    view = timeline_view.project(EVENTS)
    rows = sorted(view.events.values(), key=lambda r: r["position"])
    assert [r["hook"] for r in rows] == [
        h["hook_event_name"] for h in MANIFEST["hooks"] if h["file"].startswith("claude_hooks/s1_")
    ]
    assert rows[0]["payload"]["source"] == "startup"


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=60))
def test_any_batch_boundaries_give_the_same_view(timeline_view: TimelineUnderTest, sizes):
    whole = timeline_view.project(EVENTS)
    pieces = timeline_view.project(EVENTS, sizes)
    assert pieces.sessions == whole.sessions
    assert pieces.tool_calls == whole.tool_calls
    assert pieces.subagents == whole.subagents
    assert pieces.events == whole.events


def batched(size: int, events: list[tuple[int, object]]) -> list[int]:
    return [size] * len(events)


def calls(rows: TimelineRows) -> dict[str, dict[str, object]]:
    return {key[2]: row for key, row in rows.tool_calls.items()}


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


def test_a_call_only_the_classifier_denied_is_one_denied_call(timeline_view: TimelineUnderTest):
    view = timeline_view.project(record(DENIED))
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
def test_a_denial_and_a_pre_tool_use_of_the_same_call_make_one_call(
    timeline_view: TimelineUnderTest, order, size
):
    events = record(*order)
    view = timeline_view.project(events, batched(size, events))
    assert list(calls(view)) == ["t1"]
    assert calls(view)["t1"]["status"] == "DENIED"
    assert view.sessions[("default", SID)]["tool_call_count"] == 1
    assert metrics(events, size) == {"calls": 1, "completed": 0, "failures": 0, "denials": 1}


def test_a_batch_alone_completes_one_call_per_item(timeline_view: TimelineUnderTest):
    view = timeline_view.project(record(BATCH))
    found = calls(view)
    assert set(found) == {"r1", "m1"}
    assert {row["status"] for row in found.values()} == {"SUCCEEDED"}
    assert (found["m1"]["mcp_server"], found["m1"]["mcp_tool"]) == ("docs-site", "search")
    assert found["r1"]["batch_completed_at"] is not None
    assert view.sessions[("default", SID)]["tool_call_count"] == 2
    assert metrics(record(BATCH)) == {"calls": 2, "completed": 2, "failures": 0, "denials": 0}


@pytest.mark.parametrize("order", [(BATCH, POST), (POST, BATCH)])
@pytest.mark.parametrize("size", [1, 2])
def test_a_batch_and_a_post_tool_use_of_the_same_call_count_once(
    timeline_view: TimelineUnderTest, order, size
):
    events = record(*order)
    view = timeline_view.project(events, batched(size, events))
    r1 = calls(view)["r1"]
    assert (r1["status"], r1["duration_ms"]) == ("SUCCEEDED", 7.0)
    assert view.sessions[("default", SID)]["tool_call_count"] == 2  # r1 and m1
    assert metrics(events, size) == {"calls": 2, "completed": 2, "failures": 0, "denials": 0}


@pytest.mark.parametrize("order", [(BATCH, FAILED), (FAILED, BATCH)])
@pytest.mark.parametrize("size", [1, 2])
def test_a_batch_never_turns_a_failure_into_a_success(
    timeline_view: TimelineUnderTest, order, size
):
    events = record(*order)
    assert calls(timeline_view.project(events, batched(size, events)))["r1"]["status"] == "FAILED"
    assert metrics(events, size) == {"calls": 2, "completed": 1, "failures": 1, "denials": 0}


def test_a_batch_does_not_undo_a_classifier_denial(timeline_view: TimelineUnderTest):
    denied_read = {**DENIED, "tool_name": "Read", "tool_use_id": "r1"}
    for order in ((denied_read, BATCH), (BATCH, denied_read)):
        events = record(*order)
        assert calls(timeline_view.project(events))["r1"]["status"] == "DENIED"
        assert metrics(events)["denials"] == 1


def test_the_auto_mode_corpus_gives_the_manifest_calls_in_any_batching(
    timeline_view: TimelineUnderTest,
):
    texts = [p.read_text() for p in auto_mode_files()]
    app = Ingestor()
    app.record([hook_command(t, i) for i, t in enumerate(texts)])
    events = [(n.id, app.mapper.to_domain_event(n))
              for n in app.recorder.select_notifications(start=1, limit=1_000)]  # fmt: skip
    expected = AUTO_MODE["expected_tool_calls"]
    views = [timeline_view.project(events, batched(size, events))
             for size in range(1, len(events) + 1)]  # fmt: skip
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


TOOL_SPAN = SpanRecord("1" * 32, "2" * 16, "claude_code.tool",
                       {"session.id": SID, "tool_name": "Read", "tool_use_id": "r1"},
                       start_unix_nano=10**18, end_unix_nano=10**18 + 9_000_000)  # fmt: skip
FAILED_SPAN = SpanRecord("1" * 32, "3" * 16, "execute_tool",
                         {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "Read",
                          "gen_ai.tool.call.id": "r1", "gen_ai.conversation.id": SID},
                         status_code=2, status_message="ENOENT")  # fmt: skip
SPAN = "span"


def recorded(*items: object) -> list[tuple[int, object]]:
    """Hooks and tool spans of one session, recorded in order (``SPAN``: ``TOOL_SPAN``)."""
    app = Ingestor()
    commands: list[Command] = []
    for i, item in enumerate(items):
        if isinstance(item, SpanRecord):
            facts = span_facts(item, SID)
            at = START + timedelta(seconds=i)
            commands.append(RecordTelemetry("default", (TelemetryItem(facts, "{}"),), at, "t"))
        else:
            commands.append(hook_command(json.dumps({"session_id": SID, **item}), i))  # type: ignore[dict-item]
    app.record(commands)
    return [(n.id, app.mapper.to_domain_event(n))
            for n in app.recorder.select_notifications(start=1, limit=1_000)]  # fmt: skip


READ_PRE = {**PRE, "tool_name": "Read", "tool_use_id": "r1", "tool_input": {}}


@pytest.mark.parametrize(
    "order",
    [(READ_PRE, POST, TOOL_SPAN), (TOOL_SPAN, READ_PRE, POST), (READ_PRE, TOOL_SPAN, POST)],
    ids=["hooks-then-span", "span-then-hooks", "span-between"],
)
@pytest.mark.parametrize("size", [1, 3])
def test_a_tool_span_joins_its_hooks_in_any_order(timeline_view: TimelineUnderTest, order, size):
    events = recorded(*order)
    view = timeline_view.project(events, batched(size, events))
    r1 = calls(view)["r1"]
    assert (r1["status"], r1["duration_ms"], r1["tool_name"]) == ("SUCCEEDED", 7.0, "Read")
    assert (r1["trace_id"], r1["span_id"]) == ("1" * 32, "2" * 16)
    assert (r1["span_duration_ms"], r1["span_status"]) == (9.0, "UNSET")
    assert r1["requested_at"] is not None
    assert view.sessions[("default", SID)]["tool_call_count"] == 1


def test_a_call_only_a_span_saw_is_one_call_closed_by_its_status(
    timeline_view: TimelineUnderTest,
):
    for span, status in ((TOOL_SPAN, "SUCCEEDED"), (FAILED_SPAN, "FAILED")):
        view = timeline_view.project(recorded({"hook_event_name": "SessionStart"}, span))
        assert calls(view)["r1"]["status"] == status
        assert view.sessions[("default", SID)]["tool_call_count"] == 1


@pytest.mark.parametrize("size", [1, 3])
def test_a_span_after_the_session_ended_closes_its_call_and_leaves_the_session_ended(
    timeline_view: TimelineUnderTest, size
):
    events = recorded(READ_PRE, {"hook_event_name": "SessionEnd", "reason": "exit"}, TOOL_SPAN)
    view = timeline_view.project(events, batched(size, events))
    session = view.sessions[("default", SID)]
    assert (session["status"], session["end_reason"]) == ("ENDED", "exit")
    # the span says the call ran: not abandoned, whatever the batching
    assert calls(view)["r1"]["status"] == "SUCCEEDED"
