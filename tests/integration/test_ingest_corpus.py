"""Replaying the sample session over HTTP gives one session with the right pairing,
attribution, counts and lifecycle; every stream's hash chain verifies."""

from __future__ import annotations

from domain.audit.chain import verify_chain
from domain.sessions.values import session_stream_id
from tests.conftest import MANIFEST, S1, SUB1, session_files

SESSION_QUERY = """
query($id: String!, $pos: Position) {
  session(id: $id, minPosition: $pos) {
    id status eventCount toolCallCount failedToolCallCount promptCount subagentCount
    model cwd project startedAt endedAt endReason
    toolCalls { toolUseId toolName mcpServer mcpTool status durationMs agentId attribution }
    subagents { agentId agentType attribution toolCallCount startedAt stoppedAt }
    events(first: 100) { edges { node { position hook type agentId } } pageInfo { hasNextPage } }
  }
}
"""


EXPECTED = {
    h["file"].split("/")[-1]: h
    for h in MANIFEST["hooks"]
    if h["file"].startswith("claude_hooks/s1_")
}
DECIDED = sum(
    1 for h in EXPECTED.values() if h["hook_event_name"] in ("PreToolUse", "PermissionRequest")
)


def replay(client) -> int:
    """Replays the corpus; every reply is the manifest's expected hook output."""
    position = 0
    for path in session_files():
        response = client.post(
            "/v1/hooks/claude-code",
            content=path.read_bytes(),
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 200, (path.name, response.text)
        expected = EXPECTED[path.name]["expected_hook_stdout"]
        if expected is None:
            assert response.content == b"", path.name
        else:
            output = response.json()["hookSpecificOutput"]
            wanted = expected["hookSpecificOutput"]
            assert (output["hookEventName"], output["permissionDecision"]) == (
                wanted["hookEventName"],
                wanted["permissionDecision"],
            ), path.name
            assert output["permissionDecisionReason"]
        position = int(response.headers["observatory-position"])
    return position


def test_replaying_the_session_over_http_builds_the_timeline(client, timeline, store):
    position = replay(client)
    timeline.catch_up()
    response = client.post(
        "/graphql", json={"query": SESSION_QUERY, "variables": {"id": S1["id"], "pos": position}}
    )
    body = response.json()
    assert "errors" not in body, body
    session = body["data"]["session"]
    assert session["status"] == "ENDED"
    assert (session["eventCount"], session["promptCount"], session["subagentCount"]) == (48, 2, 1)
    assert (session["model"], session["cwd"], session["project"]) == (
        S1["model"],
        S1["cwd"],
        "ledger-api",
    )
    assert session["endReason"] == "prompt_input_exit"

    calls = {c["toolUseId"]: c for c in session["toolCalls"]}
    for hook in MANIFEST["hooks"]:
        if hook.get("hook_event_name") not in ("PreToolUse", "PostToolUse", "PostToolUseFailure"):
            continue
        call = calls[hook["tool_use_id"]]
        assert call["toolName"] == hook["tool_name"]
        assert call["agentId"] == hook["agent_id"]
        expected = hook["agent_attribution"].upper() if hook["agent_attribution"] else None
        assert call["attribution"] == expected
    assert calls["toolu_01rpziveMXCWR7DMK8147fK5"]["status"] == "FAILED"
    assert calls["toolu_01NBiiLkR0CczbjE0m5ssiU8"]["status"] == "SUCCEEDED"  # orphan close
    assert calls["toolu_01WCUqoZFhyobtkMFhzneBtc"]["mcpServer"] == "github"
    assert all(
        c["durationMs"] is not None
        for c in calls.values()
        if c["status"] in ("SUCCEEDED", "FAILED")
    )

    assert session["subagents"] == [
        {
            "agentId": SUB1["agent_id"],
            "agentType": SUB1["agent_type"],
            "attribution": "EXPLICIT",
            "toolCallCount": 2,
            "startedAt": session["subagents"][0]["startedAt"],
            "stoppedAt": session["subagents"][0]["stoppedAt"],
        }
    ]
    hooks = [e["node"]["hook"] for e in session["events"]["edges"]]
    assert hooks == [
        h["hook_event_name"] for h in MANIFEST["hooks"] if h["file"].startswith("claude_hooks/s1_")
    ]

    stream = session_stream_id("default", S1["id"])
    report = verify_chain(store.events.get(stream))
    assert report.intact and report.events == 49 + DECIDED


def test_replaying_twice_with_keys_records_each_hook_once(client, store):
    for _ in range(2):
        for path in session_files():
            client.post(
                "/v1/hooks/claude-code",
                content=path.read_bytes(),
                headers={"Idempotency-Key": f"k-{path.name}"},
            )
    assert store.recorder.max_notification_id() == 49 + DECIDED
