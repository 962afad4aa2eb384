"""Analytics queries asked over the Unix socket of the process that holds chDB: the same rows
as asked locally, writes refused with a clear error, and a clear error while no one answers."""

from __future__ import annotations

import pytest

from projections.event_analytics.connections import EmbeddedClickHouse
from projections.event_analytics.remote import AnalyticsUnavailableError, RemoteClickHouse
from workers.analytics_server import AnalyticsServer

QUERY = "SELECT number, toString(number) AS text FROM numbers({n:UInt64}) ORDER BY number"


@pytest.fixture
def chdb(tmp_path):
    connection = EmbeddedClickHouse(tmp_path / "clickhouse")
    yield connection
    connection.close()


def test_a_query_asked_remotely_answers_what_it_answers_locally(chdb, tmp_path):
    server = AnalyticsServer(str(tmp_path / "analytics.sock"), chdb)
    try:
        remote = RemoteClickHouse(server.path)
        assert remote.select(QUERY, {"n": 3}) == chdb.select(QUERY, {"n": 3}) == [
            [0, "0"], [1, "1"], [2, "2"],
        ]  # fmt: skip
        with pytest.raises(RuntimeError, match="only SELECT and WITH"):
            remote.select("DROP DATABASE IF EXISTS observatory")
        with pytest.raises(RuntimeError, match="analytics query failed"):
            remote.select("SELECT * FROM no_such_table")
    finally:
        server.close()
    with pytest.raises(AnalyticsUnavailableError, match="may be restarting"):
        RemoteClickHouse(server.path, connect_timeout=0.2).select(QUERY, {"n": 1})
