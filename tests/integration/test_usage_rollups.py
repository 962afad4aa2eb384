"""Usage rollups on real stores: PostgreSQL's minute, hour, day and month rows (a month less
its rest answering as reading forward) and chDB's calls and hourly rollup (``usage_analytics``) from the same log, the project from the session's hooks,
rebuilds equal to incremental views, a replayed ClickHouse batch counted once, and GraphQL
``usage`` per bucket, by the new dimensions, from either store."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import TestClient

from projections.usage.clickhouse import usage_view
from projections.usage.clickhouse_queries import ClickHouseUsageQueries
from projections.usage.queries import UsageAsk, UsageRow
from tests.conftest import CORPUS, S1, session_files
from workers.analytics import clickhouse
from workers.bootstrap.api import api_app
from workers.bootstrap.projections import PROJECTIONS
from workers.bootstrap.projectors import runner

EXPORT = (CORPUS / "otlp" / "claude_code_logs.json").read_bytes()
JSON = {"content-type": "application/json"}
SINCE, UNTIL = datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 9, 1, tzinfo=UTC)
TENANT = "default"
QUERY = """query($by: UsageGrouping, $per: UsageBucket, $filter: UsageFilter) {
  usage(since: "2026-08-01T00:00:00Z", until: "2026-09-01T00:00:00Z", by: $by, per: $per,
        filter: $filter) { key bucket calls costUsd inputTokens }
}"""
TABLES = (
    "usage_minute",
    "usage_hour",
    "usage_day",
    "usage_hour_by_user",
    "usage_day_by_user",
    "usage_hour_by_team",
    "usage_day_by_team",
    "usage_month",
    "usage_month_by_user",
    "usage_month_by_team",
    "usage_sessions",
)


def record_telemetry_then_hooks_then_telemetry(client: Any) -> None:
    """Calls before the session's first hook (no project yet) and after it (its cwd's)."""
    assert client.post("/v1/logs", content=EXPORT, headers=JSON).status_code == 200
    for path in session_files():
        assert client.post("/v1/hooks/claude-code", content=path.read_bytes()).status_code == 200
    assert client.post("/v1/logs", content=EXPORT, headers=JSON).status_code == 200


def graphql(client: Any, **variables: Any) -> list[dict[str, Any]]:
    answer = client.post("/graphql", json={"query": QUERY, "variables": variables}).json()
    assert "errors" not in answer, answer
    return list(answer["data"]["usage"])


@pytest.fixture
def usage(settings, pg_url, store):
    projector, conn = runner(PROJECTIONS["usage"], settings.replace(projector_batch=3), pg_url,
                             store, parked=False)  # fmt: skip
    with conn:
        yield projector


@pytest.fixture
def usage_analytics(settings, pg_url, store):
    projector, conn = runner(PROJECTIONS["usage_analytics"], settings.replace(projector_batch=3),
                             pg_url, store, parked=False)  # fmt: skip
    with conn:
        yield projector


def dump(db: Any) -> dict[str, list[Any]]:
    return {t: db.execute(f"SELECT * FROM {t} AS r ORDER BY r::text").fetchall()
            for t in TABLES}  # fmt: skip


def test_postgres_rolls_up_by_hour_and_day_with_the_sessions_project(client, usage, db):
    record_telemetry_then_hooks_then_telemetry(client)
    usage.catch_up()
    day = db.execute("SELECT project, sum(calls), sum(cost_usd) FROM usage_day"
                     " GROUP BY project ORDER BY project").fetchall()  # fmt: skip
    assert [(p, calls) for p, calls, _ in day] == [("", 4), ("ledger-api", 4)]
    for table in TABLES[1:-1]:
        rolled = db.execute(f"SELECT sum(calls), sum(input_tokens), sum(cost_usd) FROM {table}")
        assert (
            rolled.fetchone()
            == db.execute(
                "SELECT sum(calls), sum(input_tokens), sum(cost_usd) FROM usage_minute"
            ).fetchone()
        )
    assert db.execute("SELECT project FROM usage_sessions").fetchall() == [("ledger-api",)]

    incremental = dump(db)
    usage.reset()
    assert all(rows == [] for rows in dump(db).values())
    usage.catch_up()
    assert dump(db) == incremental


def test_graphql_usage_per_day_by_team_and_project_filtered(client, usage):
    record_telemetry_then_hooks_then_telemetry(client)
    usage.catch_up()
    (row,) = graphql(client, by="TEAM", per="DAY", filter={"project": "ledger-api"})
    assert (row["key"], row["bucket"], row["calls"]) == ("platform", "2026-08-18T00:00:00+00:00",
                                                         4)  # fmt: skip
    by_project = {r["key"]: r["calls"] for r in graphql(client, by="PROJECT")}
    assert by_project == {"": 4, "ledger-api": 4}
    hours = graphql(client, per="HOUR")
    assert [(r["key"], r["calls"]) for r in hours] == [("2026-08-18T09:00:00+00:00", 8)]
    (agent,) = graphql(client, by="AGENT", filter={"sessionId": S1["id"]})
    assert (agent["key"], agent["calls"]) == ("", 8)  # Claude Code's api_request names none


def test_graphql_usage_without_a_grouping_is_refused(client):
    answer = client.post("/graphql", json={"query": QUERY, "variables": {}}).json()
    assert answer["errors"][0]["message"] == "give `by` (a dimension), `per` (a bucket), or both"
    answer = client.post("/graphql", json={"query": QUERY,
                                           "variables": {"by": "DAY", "per": "HOUR"}}).json()  # fmt: skip
    assert "disagree" in answer["errors"][0]["message"]


ASKS = (
    UsageAsk(TENANT, SINCE, UNTIL, by="model"),
    UsageAsk(TENANT, SINCE, UNTIL, by="team", per="day"),
    UsageAsk(TENANT, SINCE, UNTIL, by="project", per="hour"),
    UsageAsk(TENANT, SINCE, UNTIL, per="minute"),
    UsageAsk(TENANT, datetime(2026, 8, 18, 9, 12, 30, tzinfo=UTC), UNTIL, by="user_id"),
    UsageAsk(TENANT, SINCE, UNTIL, by="model", filters={"session_id": S1["id"]}),
    # most of August: PostgreSQL reads its month less the rest, the rest holding some calls,
    # none or all (on whole minutes: PostgreSQL's finest rows)
    UsageAsk(TENANT, SINCE, datetime(2026, 8, 18, 9, 13, tzinfo=UTC), by="user_id"),
    UsageAsk(TENANT, SINCE, datetime(2026, 8, 18, 10, tzinfo=UTC), by="team"),
    UsageAsk(TENANT, SINCE, datetime(2026, 8, 18, tzinfo=UTC), by="team"),
    UsageAsk(
        TENANT, datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC), by="project"
    ),
)


def answers(queries: Any, asks: tuple[UsageAsk, ...] = ASKS) -> list[Any]:
    return [rounded(queries.usage(ask)) for ask in asks]


def rounded(rows: list[UsageRow]) -> list[UsageRow]:
    """Sums of floats depend on their order (parts, merges, plans): equal to 1e-9."""
    return [replace(r, cost_usd=round(r.cost_usd, 9),
                    duration_mean_ms=None if r.duration_mean_ms is None
                    else round(r.duration_mean_ms, 6)) for r in rows]  # fmt: skip


async def postgres_answers(settings: Any, pg_url: str) -> list[Any]:
    from infra.database import create_read_engine
    from projections.usage.queries import UsageQueries

    engine = create_read_engine(pg_url, settings.database_schema, 1)
    try:
        return [rounded(await UsageQueries(engine).usage(ask)) for ask in ASKS]
    finally:
        await engine.dispose()


def test_chdb_answers_as_postgres_and_a_rebuild_or_a_replay_changes_nothing(
    client, usage, usage_analytics, settings, pg_url, store
):
    import asyncio

    record_telemetry_then_hooks_then_telemetry(client)
    usage.catch_up()
    usage_analytics.catch_up()
    queries = ClickHouseUsageQueries(clickhouse().get(settings), settings.clickhouse_database)
    incremental = answers(queries)
    assert incremental == asyncio.run(postgres_answers(settings, pg_url))
    assert sum(r.calls for r in incremental[0]) == 8
    calls = [sum(r.calls for r in answer) for answer in incremental]
    assert 0 < calls[6] < calls[0] == calls[7] == calls[9] and incremental[8] == []

    view = usage_view(settings, clickhouse())
    end = view.position()
    view._positions.move_to(0)  # a crash after the rows, before the position: all replayed
    restarted, conn = runner(PROJECTIONS["usage_analytics"], settings.replace(projector_batch=5),
                             pg_url, store, parked=False)  # fmt: skip
    with conn:
        restarted.catch_up()
    assert view.position() == end
    assert answers(queries) == incremental

    usage_analytics.reset()
    assert answers(queries)[0] == []
    usage_analytics.catch_up()
    assert answers(queries) == incremental


def test_graphql_usage_reads_clickhouse_when_configured(settings, pg_url, client,
                                                        usage_analytics):  # fmt: skip
    record_telemetry_then_hooks_then_telemetry(client)
    usage_analytics.catch_up()
    configured = settings.replace(usage_store="clickhouse")
    with TestClient(api_app(configured, pg_url), raise_server_exceptions=False) as on_clickhouse:
        (row,) = graphql(on_clickhouse, by="TEAM", per="DAY", filter={"project": "ledger-api"})
    assert (row["key"], row["bucket"], row["calls"]) == ("platform", "2026-08-18T00:00:00+00:00",
                                                         4)  # fmt: skip


def test_the_usage_command_sums_by_team_per_day(live_server, settings, pg_url, store):
    import httpx
    from click.testing import CliRunner

    from workers.cli import main

    with httpx.Client(base_url=live_server.base_url) as http:
        record_telemetry_then_hooks_then_telemetry(http)
    projector, conn = runner(PROJECTIONS["usage"], settings, pg_url, store, parked=False)
    with conn:
        projector.catch_up()
    args = ["usage", "--url", live_server.base_url, "--since", "2026-08-18T00:00:00Z",
            "--until", "2026-08-19T00:00:00Z", "--by", "team", "--per", "day"]  # fmt: skip
    as_json = CliRunner().invoke(main, [*args, "--project", "ledger-api", "--json"])
    assert as_json.exit_code == 0, as_json.output
    (row,) = json.loads(as_json.output)
    assert (row["key"], row["bucket"], row["calls"]) == ("platform", "2026-08-18T00:00:00+00:00",
                                                         4)  # fmt: skip
    table = CliRunner().invoke(main, args, env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "platform" in table.output and "2026-08-18" in table.output
