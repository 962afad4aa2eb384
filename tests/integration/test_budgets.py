"""Budgets that act, on real PostgreSQL through the app the composition root builds: a session
whose Claude Code ``api_request`` telemetry (POST /v1/logs) crosses a budget rule gets its
``deny`` (or ``ask``) on the next PreToolUse, with the rule and the spend in the reason, and
the ruling is recorded like every other. Tests wait for the API's spend ledger to reach the
position the export was committed at (``observatory-position``), never sleep."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import TestClient

from commands.store.application import EventStoreApplication
from domain.sessions.aggregate import AgentSession
from domain.sessions.values import session_stream_id
from tests.live import follow

HOOK = "/v1/hooks/claude-code"
RULES = "/v1/guardrails/rules"
LOGS = "/v1/logs"


def text(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def api_requests(
    session: str, costs: list[float], team: str = "payments", step: timedelta = timedelta()
) -> bytes:
    """Claude Code's ``claude_code.api_request`` log records (OTLP/JSON), one per cost, the
    last one now and each ``step`` after the one before."""
    now = datetime.now(UTC)
    records = []
    for index, cost in enumerate(costs):
        at = now - (len(costs) - 1 - index) * step
        attributes = [
            text("session.id", session), text("event.name", "api_request"),
            text("event.timestamp", at.isoformat().replace("+00:00", "Z")),
            text("user.account_uuid", "5d9e3a17-8c24-4b6f-b0e1-c7a2f9d84e36"),
            text("model", "claude-opus-4-5-20251101"), text("cost_usd", str(cost)),
            text("input_tokens", "1200"), text("output_tokens", "600"),
            text("cache_read_tokens", "0"), text("cache_creation_tokens", "0"),
            text("duration_ms", "4000"),
        ]  # fmt: skip
        records.append({"timeUnixNano": str(int(at.timestamp() * 1e9)),
                        "body": {"stringValue": "claude_code.api_request"},
                        "attributes": attributes})  # fmt: skip
    resource = {"attributes": [text("service.name", "claude-code"), text("team", team)]}
    body = {"resourceLogs": [{"resource": resource, "scopeLogs": [{"logRecords": records}]}]}
    return json.dumps(body).encode()


def pre_tool_use(session: str, command: str = "ls") -> bytes:
    return json.dumps({
        "session_id": session, "hook_event_name": "PreToolUse", "tool_name": "Bash",
        "tool_input": {"command": command}, "tool_use_id": f"toolu_{uuid.uuid4().hex[:12]}",
    }).encode()  # fmt: skip


def spend(client: TestClient[Any], session: str, costs: list[float]) -> None:
    """Exports the costs and waits for the API's ledger to have read them."""
    response = client.post(LOGS, content=api_requests(session, costs),
                           headers={"content-type": "application/json"})  # fmt: skip
    assert response.status_code == 200, response.text
    position = int(response.headers["observatory-position"])
    assert client.app.state.gate.decider.ledger.wait_for(position, 10)
    assert client.get("/v1/guardrails/status").json()["spend_position"] >= position


def answer(client: TestClient[Any], session: str) -> dict[str, Any]:
    response = client.post(HOOK, content=pre_tool_use(session))
    assert response.status_code == 200, response.text
    return response.json() if response.content else {}


def add_rule(client: TestClient[Any], rule: dict[str, Any]) -> None:
    response = client.post(RULES, json=rule)
    assert response.status_code == 202, response.text
    follow(client)


def decided(store: EventStoreApplication, session: str) -> list[Any]:
    events = store.events.get(session_stream_id("default", session))
    return [e for e in events if isinstance(e, AgentSession.ToolCallDecided)]


def test_a_team_over_its_daily_budget_is_denied_on_its_next_pre_tool_use(client, store):
    add_rule(client, {"id": "payments-daily", "decision": "deny",
                      "budget": {"scope": "team", "period": "day", "usd": 1.0}})  # fmt: skip
    session = f"s-{uuid.uuid4()}"
    spend(client, session, [0.45, 0.45])
    assert answer(client, session) == {}  # 0.90 of 1.00: still allowed
    spend(client, session, [0.35])
    output = answer(client, session)["hookSpecificOutput"]
    assert output["permissionDecision"] == "deny"
    assert "rule payments-daily" in output["permissionDecisionReason"]
    assert "budget team:payments daily 1.25 USD of 1.00 USD" in output["permissionDecisionReason"]
    last = decided(store, session)[-1]
    assert (last.decision, last.rule_id, last.policy_version) == ("deny", "payments-daily", 2)
    # another team's session is not held to the payments budget
    other = f"s-{uuid.uuid4()}"
    response = client.post(LOGS, content=api_requests(other, [0.01], team="search"),
                           headers={"content-type": "application/json"})  # fmt: skip
    assert client.app.state.gate.decider.ledger.wait_for(
        int(response.headers["observatory-position"]), 10
    )
    assert answer(client, other) == {}


def test_a_session_budget_in_tokens_can_ask_instead(client, store):
    add_rule(client, {"id": "session-tokens", "decision": "ask",
                      "budget": {"scope": "session", "tokens": 3000}})  # fmt: skip
    session = f"s-{uuid.uuid4()}"
    spend(client, session, [0.01, 0.01])  # 2 x 1,800 tokens
    output = answer(client, session)["hookSpecificOutput"]
    assert output["permissionDecision"] == "ask"
    assert "budget session:" in output["permissionDecisionReason"]
    assert "lifetime 3,600 tokens of 3,000 tokens" in output["permissionDecisionReason"]
    assert decided(store, session)[-1].rule_id == "session-tokens"


def test_past_the_warning_share_the_call_goes_on_with_a_recorded_warning(client, store):
    add_rule(client, {"id": "user-monthly", "decision": "deny",
                      "budget": {"scope": "user", "period": "month", "usd": 2.0,
                                 "warn_at": 0.5}})  # fmt: skip
    session = f"s-{uuid.uuid4()}"
    spend(client, session, [0.5])
    assert answer(client, session) == {}
    spend(client, session, [0.7])
    output = answer(client, session)
    assert "hookSpecificOutput" not in output  # not blocked: Claude Code's own flow applies
    assert "1.20 USD of 2.00 USD (60 % used)" in output["systemMessage"]
    last = decided(store, session)[-1]
    assert (last.decision, last.rule_id, last.policy_version) == (None, "user-monthly", 2)
    assert "Budget warning (rule user-monthly)" in str(last.message)


def test_a_bad_budget_rule_is_a_clear_400_and_changes_nothing(client):
    response = client.post(RULES, json={"id": "b", "decision": "allow",
                                        "budget": {"scope": "team", "usd": -1}})  # fmt: skip
    assert response.status_code == 400
    text = response.text
    assert "budget.period" in text and "budget.usd" in text and "ask or deny" in text
    policy = client.post("/graphql", json={"query": "{ guardrailPolicy { version } }"}).json()
    assert policy["data"]["guardrailPolicy"]["version"] == 0


def test_the_policy_api_shows_a_budget_rule_as_written(client, guardrails):
    rule = {"id": "tenant-monthly", "decision": "deny", "mode": "shadow",
            "budget": {"scope": "tenant", "period": "month", "tokens": 5_000_000}}  # fmt: skip
    position = client.post(RULES, json=rule).json()["position"]
    guardrails.catch_up()
    query = """query($p: Position) { guardrailPolicy(minPosition: $p) {
               version rules { id decision mode definition } } }"""
    policy = client.post("/graphql", json={"query": query, "variables": {"p": position}}).json()
    (shown,) = [r for r in policy["data"]["guardrailPolicy"]["rules"] if r["id"] == rule["id"]]
    assert (shown["decision"], shown["mode"]) == ("DENY", "SHADOW")
    assert shown["definition"]["budget"] == rule["budget"]
    assert "when" not in shown["definition"]


def chat_spans(session: str, cost: float) -> bytes:
    """One GenAI ``chat`` span (OTLP/JSON) of the conversation ``session`` with its cost."""
    now = int(datetime.now(UTC).timestamp() * 1e9)
    span = {
        "traceId": uuid.uuid4().hex, "spanId": uuid.uuid4().hex[:16], "name": "chat",
        "kind": 3, "startTimeUnixNano": str(now - 2_000_000_000), "endTimeUnixNano": str(now),
        "attributes": [
            text("gen_ai.operation.name", "chat"), text("gen_ai.conversation.id", session),
            text("gen_ai.request.model", "claude-opus-4-5"),
            {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1200"}},
            {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "600"}},
            {"key": "gen_ai.usage.cost", "value": {"doubleValue": cost}},
        ],
    }  # fmt: skip
    body = {"resourceSpans": [{"resource": {"attributes": [text("service.name", "agent")]},
                               "scopeSpans": [{"spans": [span]}]}]}  # fmt: skip
    return json.dumps(body).encode()


def test_spend_read_from_trace_spans_counts_against_a_budget_too(client, store):
    """Model calls from any GenAI agent's spans (``ModelSpanRecorded``) are spend like
    Claude Code's log records: the ledger must follow both."""
    add_rule(client, {"id": "session-usd", "decision": "deny",
                      "budget": {"scope": "session", "usd": 0.5}})  # fmt: skip
    session = f"s-{uuid.uuid4()}"
    response = client.post("/v1/traces", content=chat_spans(session, 0.75),
                           headers={"content-type": "application/json"})  # fmt: skip
    assert response.status_code == 200, response.text
    assert "partialSuccess" not in response.json()
    assert client.app.state.gate.decider.ledger.wait_for(
        int(response.headers["observatory-position"]), 10
    )
    output = answer(client, session)["hookSpecificOutput"]
    assert output["permissionDecision"] == "deny"
    assert "0.75 USD of 0.50 USD" in output["permissionDecisionReason"]
