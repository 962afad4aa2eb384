"""The event analytics view and its queries, on both transports: chDB in-process, and the
clickhouse-connect adapter (its client faked by chDB). Each test gets its own chDB data path."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.sessions.aggregate import AgentSession
from infra.tracking import StalePositionError
from projections.event_analytics.clickhouse import (
    ClickHouseEventAnalyticsView,
    event_analytics_view,
)
from projections.event_analytics.connections import (
    CanQueryClickHouse,
    ClickHouseConnections,
    EmbeddedClickHouse,
    ServerClickHouse,
)
from projections.event_analytics.dump import dump_clickhouse
from projections.event_analytics.migrator import migrate_clickhouse
from projections.event_analytics.projection import AnalyticsRows, EventAnalyticsProjection
from projections.event_analytics.queries import (
    AgentActivity,
    EventAnalyticsQueries,
    ToolCount,
    ToolFailures,
    ToolLatency,
)
from tests.contract.analytics_fakes import (
    T0,
    FakeClickHouseClient,
    Stream,
    acme_events,
    globex_events,
    positioned,
)

DB = "analytics_test"


@dataclass(frozen=True)
class AnalyticsSettings:
    data_dir: Path
    clickhouse_url: str | None = None
    clickhouse_database: str = DB


@dataclass
class Analytics:
    settings: AnalyticsSettings
    connections: ClickHouseConnections
    conn: CanQueryClickHouse
    view: ClickHouseEventAnalyticsView
    queries: EventAnalyticsQueries

    def apply(self, events: list[tuple[int, object]]) -> None:
        start = self.view.position()
        self.view.apply(EventAnalyticsProjection().changes(events), start, events[-1][0])

    def reopen(self) -> None:
        self.connections.close()
        self.connections = ClickHouseConnections()
        self.view = event_analytics_view(self.settings, self.connections)
        self.conn = self.connections.get(self.settings)
        self.queries = EventAnalyticsQueries(self.conn, DB)

    def rows(self) -> list[list[Any]]:
        return self.conn.select(f"SELECT * FROM {DB}.analytics_events FINAL ORDER BY position")


@pytest.fixture(params=["chdb", "server"])
def analytics(request: pytest.FixtureRequest, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Analytics]:  # fmt: skip
    settings = AnalyticsSettings(tmp_path)
    if request.param == "server":
        import clickhouse_connect
        from chdb import session

        path = str(tmp_path / "server")
        monkeypatch.setattr(clickhouse_connect, "get_client",
                            lambda dsn, autogenerate_session_id: FakeClickHouseClient(session.Session(path)))  # fmt: skip
        settings = AnalyticsSettings(tmp_path, clickhouse_url="http://default@fake:8123")
    connections = ClickHouseConnections()
    view = event_analytics_view(settings, connections)
    conn = connections.get(settings)
    assert isinstance(conn, ServerClickHouse if request.param == "server" else EmbeddedClickHouse)
    yield Analytics(settings, connections, conn, view, EventAnalyticsQueries(conn, DB))
    connections.close()


LOG = positioned(acme_events(), globex_events())


def test_the_queries_answer_the_hand_built_events(analytics):
    analytics.apply(LOG)
    q = analytics.queries
    assert q.count_events("acme") == 11
    assert q.count_events("acme", "AgentSession.ToolCallRequested") == 4
    assert q.top_tools("acme") == [ToolCount("Bash", 2), ToolCount("Read", 2)]
    assert q.failure_rates("acme") == [ToolFailures("Bash", 1, 1, 0), ToolFailures("Read", 1, 0, 1)]
    assert q.failure_rates("acme")[0].failure_rate == 0.5
    # Bash: 2,000 ms paired from the hooks' arrival, 500 ms as reported; Read: 100 ms reported
    # (the denied call never completed, so it has no duration).
    assert q.slowest_tools("acme") == [
        ToolLatency("Bash", 2, 1250.0, pytest.approx(1925.0), 2000.0),
        ToolLatency("Read", 1, 100.0, 100.0, 100.0),
    ]
    assert q.agent_activity("acme", bucket_seconds=3600) == [
        AgentActivity(T0, None, None, events=8, tool_calls=3, failures=1),
        AgentActivity(T0, "sub1", "Explore", events=2, tool_calls=1, failures=0),
        AgentActivity(T0 + timedelta(hours=1), None, None, events=1, tool_calls=0, failures=0),
    ]
    window = q.agent_activity("acme", since=T0 + timedelta(seconds=30),
                              until=T0 + timedelta(hours=1), session_id="s1")  # fmt: skip
    assert [(a.agent_id, a.events) for a in window] == [(None, 1), ("sub1", 2)]


def test_search_is_a_case_insensitive_substring_match_on_the_redacted_payload(analytics):
    analytics.apply(LOG)
    q = analytics.queries
    hits = q.search("acme", "double-REFUND")
    assert [(h.position, h.hook) for h in hits] == [(14, "UserPromptSubmit")]
    assert "[REDACTED:email]" in hits[0].payload
    assert q.search("acme", "redacted:EMAIL", limit=1)[0].position == 14
    assert q.search("acme", "%") == []  # LIKE wildcards are matched literally
    assert q.search("acme", "") == []


def test_no_query_crosses_tenants(analytics):
    analytics.apply(LOG)
    q = analytics.queries
    assert q.count_events("globex") == 4
    assert q.top_tools("globex") == [ToolCount("Write", 1)]
    assert q.failure_rates("globex") == [ToolFailures("Write", 0, 1, 0)]
    assert [t.tool_name for t in q.slowest_tools("globex")] == ["Write"]
    assert sum(a.events for a in q.agent_activity("globex")) == 4
    assert q.search("globex", "refund") == []
    assert q.search("acme", "invoices") == []
    for tenant in ("nobody", "acme' OR 1=1 --"):
        assert q.count_events(tenant) == 0
        assert q.top_tools(tenant) == q.failure_rates(tenant) == q.slowest_tools(tenant) == []
        assert q.agent_activity(tenant) == [] and q.search(tenant, "s") == []
    with pytest.raises(ValueError, match="tenant"):
        q.count_events("")


def test_a_batch_applied_again_after_a_crash_between_rows_and_position_counts_once(analytics):
    first, second = LOG[:7], LOG[7:]
    analytics.apply(first)
    rows = EventAnalyticsProjection().changes(second)
    # The crash: the rows of the second batch landed, the position did not move.
    from projections.event_analytics.clickhouse import arrow_table

    analytics.conn.insert(f"{DB}.analytics_events", arrow_table(rows))
    assert analytics.view.position() == 7
    analytics.reopen()  # the runner restarts and applies the same events again
    analytics.view.apply(rows, 7, LOG[-1][0])
    assert analytics.queries.count_events("acme") == 11
    assert analytics.queries.top_tools("acme") == [ToolCount("Bash", 2), ToolCount("Read", 2)]
    raw = f"SELECT count() FROM {DB}.analytics_events"
    assert analytics.conn.select(raw)[0][0] == 15 + len(second)  # the repeats are on disk…
    analytics.conn.execute(f"OPTIMIZE TABLE {DB}.analytics_events FINAL")
    assert analytics.conn.select(raw)[0][0] == 15  # …and merging collapses them


def test_a_batch_that_does_not_start_at_the_stored_position_is_refused(analytics):
    analytics.apply(LOG[:5])
    changes = EventAnalyticsProjection().changes(LOG[5:])
    for start in (0, 4, 6):
        with pytest.raises(StalePositionError):
            analytics.view.apply(changes, start, LOG[-1][0])
    assert analytics.view.position() == 5
    assert analytics.queries.count_events("acme") + analytics.queries.count_events("globex") == 5


def test_a_rebuild_equals_the_incremental_view(analytics):
    for i in range(0, len(LOG), 4):
        analytics.apply(LOG[i : i + 4])
    incremental = analytics.rows()
    analytics.view.reset()
    assert analytics.view.position() == 0
    assert analytics.queries.count_events("acme") == 0
    analytics.apply(LOG)
    assert analytics.rows() == incremental
    assert len(incremental) == 15


def test_the_view_resumes_from_its_stored_position_after_a_restart(analytics):
    analytics.apply(LOG[:9])
    analytics.reopen()
    assert analytics.view.position() == 9
    analytics.apply(LOG[9:])
    assert analytics.queries.count_events("acme") == 11


def test_an_empty_batch_moves_the_position(analytics):
    analytics.view.apply(AnalyticsRows(), 0, 42)
    assert analytics.view.position() == 42


def test_migrations_run_once_and_are_recorded_in_clickhouse(analytics):
    assert migrate_clickhouse(analytics.conn, DB) == []
    ran = analytics.conn.select(
        f"SELECT version, name FROM {DB}.schema_migrations FINAL ORDER BY version"
    )
    assert ran == [["0001", "event_analytics"], ["0002", "usage"]]


def test_the_dump_reads_every_stored_row_and_never_the_sealed_originals(analytics):
    analytics.apply(LOG)
    dumped = dict(dump_clickhouse(analytics.settings, "postgresql://unused",
                                  analytics.connections))  # fmt: skip
    events = [
        text for where, text in dumped.items() if where.startswith("clickhouse:analytics_events#")
    ]
    assert len(events) == 15
    assert any("double-refund" in text.lower() for text in events)
    assert not any("SEALED-CIPHERTEXT" in text for text in dumped.values())


def test_the_projector_thread_and_api_requests_share_one_chdb_session(tmp_path):
    settings = AnalyticsSettings(tmp_path)
    connections = ClickHouseConnections()
    try:
        assert connections.get(settings) is connections.get(settings)
        assert isinstance(connections.get(settings), EmbeddedClickHouse)
        view = event_analytics_view(settings, connections)
        queries = EventAnalyticsQueries(connections.get(settings), DB)
        failures: list[BaseException] = []
        done = threading.Event()

        def read() -> None:
            try:
                while not done.is_set():
                    queries.count_events("acme")
                    queries.top_tools("acme")
            except BaseException as error:
                failures.append(error)

        readers = [threading.Thread(target=read) for _ in range(3)]
        for reader in readers:
            reader.start()
        for position, event in LOG:
            view.apply(EventAnalyticsProjection().changes([(position, event)]), position - 1,
                       position)  # fmt: skip
        done.set()
        for reader in readers:
            reader.join(10)
        assert not failures
        assert queries.count_events("acme") == 11
    finally:
        connections.close()


def test_the_fake_client_offers_what_clickhouse_connect_offers():
    import inspect

    from clickhouse_connect.driver.client import Client

    for name in ("command", "raw_query", "insert_arrow", "close"):
        real = inspect.signature(getattr(Client, name)).parameters
        fake = inspect.signature(getattr(FakeClickHouseClient, name)).parameters
        assert set(fake) <= set(real), name


def test_times_are_stored_as_utc_instants_and_a_lone_surrogate_does_not_block_the_batch(analytics):
    s = Stream("acme", "s9")
    events = [
        s.opened(0),
        s.hook(AgentSession.PromptSubmitted, "UserPromptSubmit", 1, payload='{"p": "bad \udc80"}'),
    ]
    paris = events[1].timestamp.astimezone(ZoneInfo("Europe/Paris"))
    events[1].__dict__["timestamp"] = paris
    analytics.apply(list(enumerate(events, start=1)))
    assert analytics.view.position() == 2
    [(at, payload)] = analytics.conn.select(
        f"SELECT toString(at), payload FROM {DB}.analytics_events FINAL WHERE position = 2"
    )
    assert at == (T0 + timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    assert payload == '{"p": "bad ?"}'
