"""Analytics over GraphQL: answers from ClickHouse (chDB here), per tenant."""

from __future__ import annotations

from tests.conftest import session_files
from workers.bootstrap.projections import PROJECTIONS
from workers.bootstrap.projectors import runner

QUERY = """{ topTools(first: 3) { toolName calls }
  toolFailures { toolName ok failed denied failureRate }
  slowestTools(first: 2) { toolName calls p50Ms p95Ms maxMs }
  agentActivity(bucketSeconds: 3600) { agentType events toolCalls }
  searchEvents(text: "PYTEST", first: 2) { hook toolName payload } }"""


def test_dashboards_get_top_tools_failures_latency_activity_and_search(client, settings, pg_url,
                                                                     store):  # fmt: skip
    for path in session_files():
        assert client.post("/v1/hooks/claude-code", content=path.read_bytes()).status_code == 200
    projector, conn = runner(PROJECTIONS["event_analytics"], settings, pg_url, store)
    projector.catch_up()
    conn.close()

    answer = client.post("/graphql", json={"query": QUERY}).json()
    assert "errors" not in answer, answer
    data = answer["data"]
    calls = [t["calls"] for t in data["topTools"]]
    assert calls == sorted(calls, reverse=True) and calls[0] > 0
    assert any(t["failed"] for t in data["toolFailures"])
    assert all(0 <= t["failureRate"] <= 1 for t in data["toolFailures"])
    slow = data["slowestTools"][0]
    assert slow["p50Ms"] <= slow["p95Ms"] <= slow["maxMs"]
    assert sum(a["events"] for a in data["agentActivity"]) > 0
    assert data["searchEvents"] and all("pytest" in h["payload"].lower()
                                        for h in data["searchEvents"])  # fmt: skip


def test_an_empty_search_is_refused_with_a_clear_error(client):
    answer = client.post("/graphql", json={"query": '{ searchEvents(text: " ") { hook } }'}).json()
    assert answer["errors"][0]["message"] == "search needs some text"
