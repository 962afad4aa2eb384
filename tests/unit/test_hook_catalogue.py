"""The domain reads every hook of the sample corpus; the catalogue covers every hook kind."""

from __future__ import annotations

import json

import pytest

from domain.sessions.aggregate import AgentSession
from domain.sessions.errors import HookPayloadInvalidError
from domain.sessions.hooks import KNOWN_HOOKS, HookFacts
from domain.sessions.values import ToolName, is_identifier, session_stream_id
from tests.conftest import CORPUS, MANIFEST, session_files


@pytest.mark.parametrize("path", session_files(), ids=lambda p: p.name)
def test_every_corpus_hook_is_read_by_the_domain(path):
    payload = json.loads(path.read_bytes())
    facts = HookFacts.from_payload(payload)
    assert facts.session_id == payload["session_id"]
    assert facts.hook == payload["hook_event_name"]
    assert hasattr(AgentSession, facts.event_name)


def test_the_manifest_names_the_same_tools_and_ids_as_the_payloads():
    for entry in MANIFEST["hooks"]:
        if not entry["file"].startswith("claude_hooks/s1_"):
            continue
        facts = HookFacts.from_payload(json.loads((CORPUS / entry["file"]).read_bytes()))
        assert facts.tool_use_id == entry["tool_use_id"]
        assert (facts.tool.name if facts.tool else None) == entry["tool_name"]
        if facts.tool is not None:  # the manifest's agent_id is the acting agent of a tool call
            assert facts.agent_id == entry["agent_id"]


def test_there_is_one_event_class_per_known_hook_kind():
    assert len(KNOWN_HOOKS) == 33
    classes = {getattr(AgentSession, name) for name in KNOWN_HOOKS.values()}
    assert len(classes) == 33
    assert all(issubclass(c, AgentSession.HookRecorded) for c in classes)


def test_an_unknown_hook_kind_is_kept_as_observed():
    facts = HookFacts.from_payload({"session_id": "s-1", "hook_event_name": "FutureHook"})
    assert facts.event_name == "Observed"


@pytest.mark.parametrize(
    ("name", "server", "tool"),
    [
        ("mcp__github__search_issues", "github", "search_issues"),
        ("mcp__postgres-prod__query", "postgres-prod", "query"),
        ("mcp__my_server__do__thing", "my_server", "do__thing"),
        ("Bash", None, None),
        ("mcp__broken", None, None),
    ],
)
def test_mcp_tools_split_into_server_and_tool(name, server, tool):
    parsed = ToolName.parse(name)
    assert (parsed.mcp_server, parsed.mcp_tool) == (server, tool)


@pytest.mark.parametrize("tool", ["Task", "Agent"])
def test_task_and_agent_both_spawn_subagents(tool):
    assert ToolName.parse(tool).spawns_subagent


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"hook_event_name": "Stop"}, "session_id: required"),
        ({"session_id": 31337, "hook_event_name": "Stop"}, "session_id: expected a string"),
        (
            {"session_id": "../../etc/passwd", "hook_event_name": "Stop"},
            "session_id: not a valid id",
        ),
        ({"session_id": "a/b", "hook_event_name": "Stop"}, "session_id: not a valid id"),
        ({"session_id": "s", "hook_event_name": "Pre Tool"}, "hook_event_name"),
        ({"session_id": "s", "hook_event_name": "PreToolUse", "tool_input": "ls"}, "tool_input"),
        (
            {"session_id": "s", "hook_event_name": "PostToolUse", "duration_ms": "fast"},
            "duration_ms",
        ),
        ({"session_id": "s", "hook_event_name": "PostToolUse", "duration_ms": True}, "duration_ms"),
        ({"session_id": "s", "hook_event_name": "Stop", "cwd": ["x"]}, "cwd: expected a string"),
    ],
)
def test_payloads_breaking_the_contract_are_refused_with_the_field_named(payload, problem):
    with pytest.raises(HookPayloadInvalidError) as caught:
        HookFacts.from_payload(payload)
    assert any(problem in p for p in caught.value.problems)


def test_identifiers_refuse_traversal_and_separators():
    assert is_identifier("3f6b2c1e-8a47-4d9b-b0e2-71c5a9d4e8f0")
    assert is_identifier("toolu_01HgiKXSjjarvO0oeFGPRMbw")
    for bad in ["..", "a/../b", "/etc", "a\\b", "", "x" * 129, "a b", "a\x00b"]:
        assert not is_identifier(bad), bad


def test_stream_ids_are_stable_and_distinct_per_tenant():
    assert session_stream_id("default", "s") == session_stream_id("default", "s")
    assert session_stream_id("default", "s") != session_stream_id("other", "s")
