"""The auto-mode corpus session over HTTP into PostgreSQL and chDB: calls only the classifier
(PermissionDenied) or a PostToolBatch saw are tool calls in the timeline, the metrics and the
analytics, each counted once; rebuilds equal the incremental views, and the PostgreSQL
timeline equals the in-memory one."""

from __future__ import annotations

from typing import Any

import pytest

from infra.database import connect
from projections.agent_metrics.postgres import PostgresAgentMetricsView
from projections.agent_metrics.projection import AgentMetricsProjection
from projections.event_analytics.clickhouse import event_analytics_view
from projections.event_analytics.connections import ClickHouseConnections
from projections.event_analytics.projection import NAME as ANALYTICS
from projections.event_analytics.projection import EventAnalyticsProjection
from projections.event_analytics.queries import EventAnalyticsQueries
from projections.session_timeline.memory import InMemorySessionTimelineView
from projections.session_timeline.postgres import PostgresSessionTimelineView
from projections.session_timeline.projection import SessionTimelineProjection
from tests.conftest import AUTO_MODE, S2, auto_mode_files
from tests.contract.timeline_views import memory_rows, postgres_rows
from workers.projector import ProjectorRunner

QUERY = """
query($id: String!) {
  session(id: $id) {
    toolCallCount
    toolCalls { toolUseId toolName status decision decisionSource durationMs completedAt }
  }
}
"""
METRICS = ("agent_metrics_minute", "agent_metrics_hour", "agent_metrics_calls")
TIMELINE = ("timeline_sessions", "timeline_tool_calls", "timeline_subagents")
OUT_OF_ORDER = [  # the same calls as the corpus's, with the hooks in the other orders
    {"hook_event_name": "PermissionDenied", "tool_name": "Bash", "tool_use_id": "d1",
     "tool_input": {"command": "make deploy"}, "reason": "production", "agent_id": "ag-1",
     "agent_type": "Plan"},
    {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_use_id": "d1",
     "tool_input": {"command": "make deploy"}, "agent_id": "ag-1", "agent_type": "Plan"},
    {"hook_event_name": "PostToolUse", "tool_name": "Read", "tool_use_id": "r1",
     "tool_response": {}, "duration_ms": 5},
    {"hook_event_name": "PostToolUseFailure", "tool_name": "Read", "tool_use_id": "r2",
     "error": "ENOENT"},
    {"hook_event_name": "PostToolBatch", "tool_calls": [
        {"tool_name": "Read", "tool_input": {}, "tool_use_id": "r1"},
        {"tool_name": "Read", "tool_input": {}, "tool_use_id": "r2"},
        {"tool_name": "Read", "tool_input": {}, "tool_use_id": "d1"}]},
]  # fmt: skip


@pytest.fixture
def metrics(pg_url, schema, store):
    with connect(pg_url, schema, autocommit=True) as conn:
        yield ProjectorRunner("agent_metrics", store, AgentMetricsProjection(),
                              PostgresAgentMetricsView(conn), batch_size=3)  # fmt: skip


@pytest.fixture
def analytics(settings, store):
    connections = ClickHouseConnections()
    runner = ProjectorRunner(ANALYTICS, store, EventAnalyticsProjection(),
                             event_analytics_view(settings, connections), batch_size=4)  # fmt: skip
    yield runner, EventAnalyticsQueries(connections.get(settings), settings.clickhouse_database)
    connections.close()


def replay(client) -> None:
    expected = {h["file"].split("/")[-1]: h for h in AUTO_MODE["hooks"]}
    files = auto_mode_files()
    assert [p.name for p in files] == sorted(expected)
    for path in files:
        response = client.post("/v1/hooks/claude-code", content=path.read_bytes())
        assert response.status_code == 200, (path.name, response.text)
        assert expected[path.name]["expected_hook_stdout"] is None
        assert response.content == b"", path.name


def rows(db, tables: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


@pytest.fixture
def timeline(pg_url, schema, store):
    """One event per batch: every hook of a call lands in a batch of its own."""
    with connect(pg_url, schema, autocommit=True) as conn:
        yield ProjectorRunner("session_timeline", store, SessionTimelineProjection(),
                              PostgresSessionTimelineView(conn), batch_size=1)  # fmt: skip


def test_calls_only_the_classifier_or_a_batch_saw_are_tool_calls_in_the_timeline(
    client, timeline, db, store
):
    replay(client)
    for hook in OUT_OF_ORDER:
        body = {"session_id": "out-of-order", **hook}
        assert client.post("/v1/hooks/claude-code", json=body).status_code == 200
    timeline.catch_up()
    body = client.post("/graphql", json={"query": QUERY, "variables": {"id": S2["id"]}}).json()
    assert "errors" not in body, body
    session = body["data"]["session"]
    expected = AUTO_MODE["expected_tool_calls"]
    assert session["toolCallCount"] == len(expected) == 4
    found = {c["toolUseId"]: c for c in session["toolCalls"]}
    assert set(found) == set(expected)
    for call_id, want in expected.items():
        got = found[call_id]
        source = want["decision_source"].upper() if want["decision_source"] else None
        assert (got["toolName"], got["status"], got["decision"], got["decisionSource"]) == (
            want["tool_name"], want["status"], want["decision"], source,
        ), call_id  # fmt: skip
        if "duration_ms" in want:
            assert got["durationMs"] == want["duration_ms"]
    assert all(found[c]["completedAt"] for c, w in expected.items() if w["status"] == "SUCCEEDED")

    other = client.post("/graphql", json={"query": QUERY, "variables": {"id": "out-of-order"}})
    session = other.json()["data"]["session"]
    assert session["toolCallCount"] == 3
    statuses = {c["toolUseId"]: (c["status"], c["decisionSource"]) for c in session["toolCalls"]}
    assert statuses == {"d1": ("DENIED", "CLASSIFIER"), "r1": ("SUCCEEDED", None),
                        "r2": ("FAILED", None)}  # fmt: skip
    agent = db.execute("SELECT tool_call_count FROM timeline_subagents WHERE agent_id = 'ag-1'")
    assert agent.fetchone() == (1,)

    incremental = rows(db, TIMELINE)
    timeline.rebuild()
    assert rows(db, TIMELINE) == incremental

    events = [(n.id, store.mapper.to_domain_event(n))
              for n in store.recorder.select_notifications(start=1, limit=1_000)]  # fmt: skip
    memory = InMemorySessionTimelineView()
    memory.apply(SessionTimelineProjection().changes(events), 0, events[-1][0])
    assert postgres_rows(db) == memory_rows(memory)


def test_each_call_counts_once_in_metrics_and_analytics(client, metrics, analytics, db):
    replay(client)
    metrics.catch_up()
    want = AUTO_MODE["expected_metrics"]
    sums = db.execute(
        "SELECT sum(calls), sum(completed), sum(failures), sum(denials) FROM agent_metrics_minute"
    ).fetchone()
    assert sums == (want["calls"], want["completed"], want["failures"], want["denials"])
    hour = db.execute("SELECT sum(calls), sum(completed), sum(denials) FROM agent_metrics_hour")
    assert hour.fetchone() == (want["calls"], want["completed"], want["denials"])
    incremental = rows(db, METRICS)
    metrics.rebuild()
    assert rows(db, METRICS) == incremental

    runner, queries = analytics
    runner.catch_up()
    top = {t.tool_name: t.calls for t in queries.top_tools("default", limit=100)}
    assert top == AUTO_MODE["expected_analytics"]["top_tools"]
    rates = {t.tool_name: {"ok": t.ok, "failed": t.failed, "denied": t.denied}
             for t in queries.failure_rates("default")}  # fmt: skip
    assert rates == AUTO_MODE["expected_analytics"]["failure_rates"]
    activity = queries.agent_activity("default", session_id=S2["id"])
    assert sum(a.tool_calls for a in activity) == want["calls"]


@pytest.mark.parametrize(
    "calls", [{"tool_use_id": "a"}, ["a"], [{"tool_use_id": "../etc"}], [{"tool_name": 5}]]
)
def test_a_batch_whose_calls_cannot_be_paired_is_refused_and_changes_nothing(client, store, calls):
    body = {"session_id": S2["id"], "hook_event_name": "PostToolBatch", "tool_calls": calls}
    response = client.post("/v1/hooks/claude-code", json=body)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["reason"] == "invalid_hook"
    assert "tool_calls" in problem["detail"]
    assert (store.recorder.max_notification_id() or 0) == 0
