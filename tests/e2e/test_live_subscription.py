"""Hooks posted over HTTP reach a GraphQL subscription (graphql-transport-ws) live, in order,
and only the subscriber's own tenant and session; metrics and live state answer over GraphQL."""

from __future__ import annotations

import json
import signal
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from websockets.sync.client import connect

from infra.embedded.postgres import free_port
from tests.cleanup import delete_redis_keys
from tests.e2e.processes import (
    bearer,
    credentials,
    env,
    graphql,
    kill_group,
    start,
    wait_until_ready,
)

REDIS_URL = "redis://127.0.0.1:6379/0"
SUBSCRIPTION = """subscription($s: String!) {
  sessionEvents(sessionId: $s) { position sessionId kind tool agent decision } }"""
CALLS = 12


def hook(session: str, i: int) -> dict[str, object]:
    command = "rm -rf /" if i == CALLS - 1 else f"echo {i}"
    return {"session_id": session, "hook_event_name": "PreToolUse", "tool_name": "Bash",
            "tool_use_id": f"{session}-{i}", "tool_input": {"command": command},
            "cwd": "/work/ledger-api"}  # fmt: skip


def test_a_subscription_receives_hooks_posted_over_http_as_they_happen(pg_url, schema, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    prefix = f"e2e{uuid.uuid4().hex[:8]}"
    environment = env(
        OBSERVATORY_DATABASE_URL=pg_url, OBSERVATORY_DATABASE_SCHEMA=schema,
        OBSERVATORY_PORT=str(port), OBSERVATORY_LOG_LEVEL="warning",
        OBSERVATORY_DATA_DIR=str(tmp_path / "data"), OBSERVATORY_REDIS_URL=REDIS_URL,
        OBSERVATORY_REDIS_PREFIX=prefix,
    )  # fmt: skip
    key, token = credentials(environment)
    log = tmp_path / "processes.log"
    api = start(["serve"], environment, log)
    projector = start(["project"], environment, log)
    session = f"live-{uuid.uuid4().hex[:6]}"
    try:
        wait_until_ready(base, api, log)
        # As a browser does: no headers on the socket, the token in connection_init.
        with connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"],
                     open_timeout=10) as ws:  # fmt: skip
            ws.send(json.dumps({"type": "connection_init", "payload": bearer(token)}))
            assert json.loads(ws.recv(10))["type"] == "connection_ack"
            ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
                "query": SUBSCRIPTION, "variables": {"s": session}}}))  # fmt: skip
            with httpx.Client(base_url=base, headers=bearer(key), timeout=10) as http:
                # A subscription has no "ready" message: send probes until one comes back, so
                # the subscription is known to be live before the hooks that count are sent.
                for _ in range(50):
                    probe = {"session_id": session, "hook_event_name": "Notification",
                             "message": "probe"}  # fmt: skip
                    assert http.post("/v1/hooks/claude-code", json=probe).status_code == 200
                    try:
                        first = json.loads(ws.recv(0.5))
                    except TimeoutError:
                        continue
                    assert first["payload"]["data"]["sessionEvents"]["kind"] == "Notification"
                    break
                else:
                    raise AssertionError(f"the subscription never delivered:\n{log.read_text()}")
                for i in range(CALLS):
                    sent = http.post("/v1/hooks/claude-code", json=hook(session, i))
                    assert sent.status_code == 200, sent.text
                other = http.post("/v1/hooks/claude-code", json=hook("someone-else", 0))
                assert other.status_code == 200
                last = int(other.headers["Observatory-Position"])
            received: list[dict[str, object]] = []
            while len([e for e in received if e["kind"] in ("PreToolUse", "Decision")]) < CALLS + 1:
                message = json.loads(ws.recv(30))
                assert message["type"] == "next", message
                received.append(message["payload"]["data"]["sessionEvents"])
        received = [e for e in received if e["kind"] != "Notification"]  # late probe echoes
        assert {e["sessionId"] for e in received} == {session}
        positions = [e["position"] for e in received]
        assert positions == sorted(positions)
        assert [e["decision"] for e in received if e["kind"] == "Decision"][-1] == "deny"

        since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        data = graphql(
            base,
            """query($since: DateTime!, $p: String!, $s: String!, $at: Position!) {
            agentMetricsBreakdown(by: TOOL, since: $since, filter: {project: $p},
                                  minPosition: $at) {
              key calls denials }
            liveSession(id: $s, minPosition: $at) { status counters { events toolCalls denials }
              recentEvents(first: 3) { kind } }
            liveCounters { toolCalls } }""",
            token,
            since=since,
            p="ledger-api",
            s=session,
            at=last,
        )
        assert data["agentMetricsBreakdown"] == [{"key": "Bash", "calls": CALLS + 1, "denials": 1}]
        assert data["liveSession"]["counters"]["toolCalls"] == CALLS
        assert len(data["liveSession"]["recentEvents"]) == 3
        assert data["liveCounters"]["toolCalls"] == CALLS + 1
    finally:
        kill_group(api, signal.SIGTERM)
        kill_group(projector, signal.SIGTERM)
        api.wait(30)
        projector.wait(30)
        delete_redis_keys(REDIS_URL, f"{prefix}:*")
