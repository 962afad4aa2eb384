"""Which agent did it: explicit ids, inferred windows for old clients, background subagents."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.sessions.aggregate import AgentSession
from domain.sessions.hooks import HookFacts

AT = datetime(2026, 8, 18, 9, 0, tzinfo=UTC)


def record(session: AgentSession, **payload: object) -> AgentSession.HookRecorded:
    payload = {"session_id": session.session_id, **payload}
    session.record(HookFacts.from_payload(payload), "{}", received_at=AT, source="test")
    event = session.pending_events[-1]
    assert isinstance(event, AgentSession.HookRecorded)
    return event


def new_session() -> AgentSession:
    return AgentSession.open("default", "s-1", AT)


def test_events_tagged_with_agent_id_are_explicit():
    s = new_session()
    record(s, hook_event_name="SubagentStart", agent_id="a1", agent_type="Explore")
    event = record(
        s,
        hook_event_name="PreToolUse",
        tool_name="Glob",
        tool_use_id="t1",
        agent_id="a1",
        agent_type="Explore",
    )
    assert (event.agent_id, event.attribution) == ("a1", "explicit")


def test_old_clients_untagged_events_inside_a_window_are_inferred():
    s = new_session()
    record(
        s,
        hook_event_name="PreToolUse",
        tool_name="Task",
        tool_use_id="t0",
        tool_input={"subagent_type": "Explore"},
    )
    record(s, hook_event_name="SubagentStart", agent_id="a1", agent_type="Explore")
    inside = record(s, hook_event_name="PreToolUse", tool_name="Read", tool_use_id="t1")
    stop = record(s, hook_event_name="SubagentStop")
    after = record(s, hook_event_name="PostToolUse", tool_name="Task", tool_use_id="t0")
    assert (inside.agent_id, inside.agent_type, inside.attribution) == ("a1", "Explore", "inferred")
    assert (stop.agent_id, stop.attribution) == ("a1", "inferred")
    assert (after.agent_id, after.attribution) == (None, None)


def test_the_spawning_call_itself_belongs_to_the_main_agent():
    s = new_session()
    spawn = record(s, hook_event_name="PreToolUse", tool_name="Agent", tool_use_id="t0")
    assert spawn.agent_id is None


def test_once_a_client_tags_subagent_events_untagged_events_are_the_main_agents():
    s = new_session()
    record(s, hook_event_name="SubagentStart", agent_id="a1", agent_type="Explore")
    record(s, hook_event_name="PreToolUse", tool_name="Read", tool_use_id="t1", agent_id="a1")
    # A background subagent is still running; the main agent works meanwhile.
    main = record(s, hook_event_name="PreToolUse", tool_name="Edit", tool_use_id="t2")
    assert (main.agent_id, main.attribution) == (None, None)


def test_nested_windows_attribute_to_the_innermost_and_unwind():
    s = new_session()
    record(s, hook_event_name="SubagentStart", agent_id="a1", agent_type="Plan")
    record(s, hook_event_name="SubagentStart", agent_id="a2", agent_type="Explore")
    inner = record(s, hook_event_name="PreToolUse", tool_name="Read", tool_use_id="t1")
    record(s, hook_event_name="SubagentStop", agent_id="a2")
    outer = record(s, hook_event_name="PreToolUse", tool_name="Read", tool_use_id="t2")
    assert inner.agent_id == "a2"
    assert outer.agent_id == "a1"


def test_a_subagent_start_without_id_gets_a_stable_inferred_id():
    s = new_session()
    start = record(s, hook_event_name="SubagentStart", agent_type="Explore")
    inside = record(s, hook_event_name="PreToolUse", tool_name="Read", tool_use_id="t1")
    assert start.agent_id == inside.agent_id == "subagent-1"
    assert inside.attribution == "inferred"


def test_attribution_state_survives_reconstruction_from_events():
    s = new_session()
    record(s, hook_event_name="SubagentStart", agent_id="a1", agent_type="Explore")
    events = s.collect_events()
    rebuilt = None
    for event in events:
        rebuilt = event.mutate(rebuilt)
    assert rebuilt is not None
    assert rebuilt.subagents == s.subagents
    assert rebuilt.head_hash == s.head_hash
