"""The session timeline: pairing, durations, attribution, lifecycle, batch-boundary invariance."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.session_timeline.memory import InMemorySessionTimelineView
from projections.session_timeline.projection import SessionTimelineProjection
from tests.conftest import MANIFEST, S1, SUB1
from tests.unit.timeline_fixtures import recorded_corpus

EVENTS = recorded_corpus()


def project(events, sizes=None) -> InMemorySessionTimelineView:
    view = InMemorySessionTimelineView()
    projection = SessionTimelineProjection()
    index = 0
    sizes = list(sizes or [len(events)])
    while index < len(events):
        size = sizes.pop(0) if sizes else len(events)
        batch = events[index : index + size]
        view.apply(projection.changes(batch), view.position(), batch[-1][0])
        index += size
    return view


def test_the_corpus_session_has_its_lifecycle_counts_and_context():
    view = project(EVENTS)
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


def test_tool_calls_pair_by_tool_use_id():
    view = project(EVENTS)
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


def test_calls_never_closed_before_the_session_ended_are_abandoned():
    view = project(EVENTS)
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


def test_an_orphan_close_is_accepted_as_a_call_without_a_request():
    # 025 closes a call whose PreToolUse the corpus deliberately omits.
    row = project(EVENTS).tool_calls[("default", S1["id"], "toolu_01NBiiLkR0CczbjE0m5ssiU8")]
    assert (row["status"], row["requested_at"], row["tool_name"]) == ("SUCCEEDED", None, "Bash")
    assert row["duration_ms"] is not None


def test_a_late_close_after_the_session_ended_still_completes_the_call():
    late = {
        "session_id": S1["id"],
        "hook_event_name": "PostToolUse",
        "tool_name": "Bash",
        "tool_use_id": "toolu_01Z8lTHp7zlclU4OEgqEMMtm",
        "duration_ms": 7,
    }
    view = project(recorded_corpus([json.dumps(late)]))
    row = view.tool_calls[("default", S1["id"], "toolu_01Z8lTHp7zlclU4OEgqEMMtm")]
    assert (row["status"], row["duration_ms"]) == ("SUCCEEDED", 7)


def test_subagent_calls_are_attributed_and_the_spawn_links_its_agent():
    view = project(EVENTS)
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


def test_events_keep_their_payload_and_order():
    view = project(EVENTS)
    rows = sorted(view.events.values(), key=lambda r: r["position"])
    assert [r["hook"] for r in rows] == [
        h["hook_event_name"] for h in MANIFEST["hooks"] if h["file"].startswith("claude_hooks/s1_")
    ]
    assert rows[0]["payload"]["source"] == "startup"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=60))
def test_any_batch_boundaries_give_the_same_view(sizes):
    whole = project(EVENTS)
    pieces = project(EVENTS, sizes)
    assert pieces.sessions == whole.sessions
    assert pieces.tool_calls == whole.tool_calls
    assert pieces.subagents == whole.subagents
    assert pieces.events == whole.events
