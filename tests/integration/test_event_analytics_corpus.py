"""The sample corpus, ingested over HTTP (screening, redaction, guardrails) into PostgreSQL,
projected by a real runner into chDB: realistic rows, no personal data, a rebuild that equals
the incremental view."""

from __future__ import annotations

import collections

import pytest

from projections.event_analytics.clickhouse import event_analytics_view
from projections.event_analytics.connections import ClickHouseConnections
from projections.event_analytics.dump import dump_clickhouse
from projections.event_analytics.projection import NAME, EventAnalyticsProjection
from projections.event_analytics.queries import EventAnalyticsQueries
from tests.conftest import MANIFEST, session_files
from workers.projector import ProjectorRunner

PERSONAL = ["jane.doe@example.com", "415-555-0137", "4539 1488 0343 6467", "4539148803436467"]
"""Personal data the corpus session carries (listed by hand, not found by the detectors)."""


@pytest.fixture
def analytics(settings, store):
    connections = ClickHouseConnections()
    view = event_analytics_view(settings, connections)
    runner = ProjectorRunner(NAME, store, EventAnalyticsProjection(), view, batch_size=17)
    queries = EventAnalyticsQueries(connections.get(settings), settings.clickhouse_database)
    yield runner, queries, connections
    connections.close()


def test_the_ingested_corpus_lands_in_the_wide_table_redacted_and_rebuildable(
    client, store, settings, analytics
):
    for path in session_files():
        assert client.post("/v1/hooks/claude-code", content=path.read_bytes()).status_code == 200
    runner, queries, connections = analytics
    runner.catch_up()

    stored = [store.mapper.to_domain_event(n)
              for n in store.recorder.select_notifications(start=1, limit=10_000)]  # fmt: skip
    assert queries.count_events("default") == sum(1 for e in stored if hasattr(e, "tenant_id"))

    calls: dict[str, set[str]] = collections.defaultdict(set)
    for hook in MANIFEST["hooks"]:
        if hook.get("hook_event_name") in ("PreToolUse", "PostToolUse", "PostToolUseFailure"):
            calls[hook["tool_name"]].add(hook["tool_use_id"])
    top = {t.tool_name: t.calls for t in queries.top_tools("default", limit=100)}
    assert top == {tool: len(ids) for tool, ids in calls.items()}
    denials = sum(1 for h in MANIFEST["hooks"]
                  if (h.get("expected_hook_stdout") or {}).get("hookSpecificOutput", {})
                  .get("permissionDecision") == "deny")  # fmt: skip
    assert sum(t.denied for t in queries.failure_rates("default")) == denials == 4
    assert {t.tool_name for t in queries.slowest_tools("default", limit=100)} >= {"Bash", "Read"}

    assert queries.search("default", "[redacted:email]")
    assert queries.search("default", "jane.doe") == []
    dumped = list(dump_clickhouse(settings, "unused", connections))
    leaks = [(where, value) for where, text in dumped for value in PERSONAL if value in text]
    assert not leaks, leaks[:5]

    before = sorted(text for where, text in dumped if "analytics_events" in where)
    runner.rebuild()
    after = sorted(text for where, text in dump_clickhouse(settings, "unused", connections)
                   if "analytics_events" in where)  # fmt: skip
    assert after == before
