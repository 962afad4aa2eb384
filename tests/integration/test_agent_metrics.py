"""Agent metrics in PostgreSQL: counts equal the store's, rebuildable, tenant-scoped queries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from commands.ingest.service import Ingestor
from infra.database import connect, create_read_engine, eventsourcing_env
from projections.agent_metrics.postgres import PostgresAgentMetricsView
from projections.agent_metrics.projection import AgentMetricsProjection
from projections.agent_metrics.queries import AgentMetricsQueries, MetricsFilter
from tests.conftest import MANIFEST
from tests.projection_support import calls_in_store, corpus_commands, hooks_in_store
from workers.projector import ProjectorRunner

TABLES = ("agent_metrics_minute", "agent_metrics_hour", "agent_metrics_sessions")


@pytest.fixture
def ingestor(pg_url, schema):
    ingestor = Ingestor(eventsourcing_env(pg_url, schema, 2))
    yield ingestor
    ingestor.close()


@pytest.fixture
def metrics(pg_url, schema, store):
    with connect(pg_url, schema, autocommit=True) as conn:
        yield lambda batch=1_000, **view: ProjectorRunner(
            "agent_metrics", store, AgentMetricsProjection(),
            PostgresAgentMetricsView(conn, **view), batch_size=batch,
        )  # fmt: skip


def corpus_calls() -> int:
    """Distinct tool calls of the corpus session (one has a PostToolUse and no PreToolUse)."""
    paired = ("PreToolUse", "PostToolUse", "PostToolUseFailure")
    return len({h["tool_use_id"] for h in MANIFEST["hooks"] if h.get("hook_event_name") in paired})


def contents(db) -> dict[str, list[tuple[object, ...]]]:
    return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
            for t in TABLES}  # fmt: skip


def query(pg_url, schema, call):
    async def run():
        engine = create_read_engine(pg_url, schema, 1)
        try:
            return await call(AgentMetricsQueries(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_this_machine_gets_the_partitioned_layout(db):
    assert db.execute("SELECT layout FROM agent_metrics_layout").fetchone() == ("partitions",)


def test_counts_equal_the_store_and_every_minute_knows_its_project(ingestor, metrics, db):
    ingestor.record(corpus_commands("acme"))
    metrics(batch=13).catch_up()
    hooks = hooks_in_store(ingestor, "acme")
    sums = db.execute(
        "SELECT sum(calls), sum(completed), sum(failures), sum(subagents),"
        " sum((SELECT sum(x) FROM unnest(durations) x)) FROM agent_metrics_minute"
    ).fetchone()
    # A call counts once whichever hooks saw it: the corpus's orphan PostToolUse is one too.
    calls = corpus_calls()
    assert hooks["PreToolUse"] < calls == calls_in_store(ingestor, "acme")
    assert sums[:4] == (calls, hooks["PostToolUse"], hooks["PostToolUseFailure"],
                        hooks["SubagentStart"])  # fmt: skip
    assert sums[4] > 0  # durations were reported
    assert db.execute(
        "SELECT count(*) FROM agent_metrics_minute WHERE project = ''"
    ).fetchone() == (0,)
    hour = db.execute("SELECT sum(calls), sum(failures) FROM agent_metrics_hour").fetchone()
    assert hour == sums[:1] + sums[2:3]


def test_rebuild_equals_the_incremental_view(ingestor, metrics, db):
    commands = corpus_commands()
    ingestor.record(commands[:25])
    runner = metrics(batch=5)
    runner.catch_up()
    ingestor.record(commands[25:])
    runner.catch_up()
    incremental = contents(db)
    assert incremental["agent_metrics_minute"]
    metrics().rebuild()
    assert contents(db) == incremental


def test_minutes_past_retention_are_not_kept_but_the_hourly_rollup_is(ingestor, metrics, db):
    ingestor.record(corpus_commands())
    later = datetime.now(UTC) + timedelta(days=3)
    metrics(retention_days=1, now=lambda: later).catch_up()
    assert db.execute("SELECT count(*) FROM agent_metrics_minute").fetchone() == (0,)
    assert db.execute("SELECT sum(calls) FROM agent_metrics_hour").fetchone()[0] > 0


def test_queries_answer_per_tenant_with_percentiles(pg_url, schema, ingestor, metrics):
    ingestor.record(corpus_commands("acme"))
    ingestor.record(corpus_commands("other", "-x"))
    metrics().catch_up()
    since, until = datetime.now(UTC) - timedelta(hours=2), datetime.now(UTC) + timedelta(hours=1)

    async def read(q: AgentMetricsQueries):
        return (await q.series("acme", since, until, "minute"),
                await q.breakdown("acme", since, until, "tool"),
                await q.series("nobody", since, until, "hour"),
                await q.breakdown("acme", since, until, "tool", MetricsFilter(tool="Bash")))  # fmt: skip

    series, tools, nobody, bash = query(pg_url, schema, read)
    assert sum(p.calls for p in series) == corpus_calls()
    assert sum(p.calls for p in tools) == corpus_calls()
    assert nobody == []
    assert [p.key for p in bash] == ["Bash"]
    timed = [p for p in tools if p.duration_p50_ms is not None]
    assert timed and all(p.duration_p50_ms <= p.duration_p95_ms <= p.duration_p99_ms for p in timed)


def test_a_batch_that_fails_after_creating_a_day_partition_does_not_hide_it(pg_url, schema, db):
    """The view remembers which day partitions exist; a failed batch's partition is rolled
    back with it, and the next batch of that day must create it again (found when a poison
    event was parked: every later event of the day then failed with "no partition")."""
    import secrets

    import psycopg

    from projections.agent_metrics.counts import MinuteCounts
    from projections.agent_metrics.projection import MetricsChanges

    day = datetime(2031, 5, 17, 9, 30, tzinfo=UTC)  # a day no partition exists for yet
    now = lambda: day + timedelta(hours=1)  # noqa: E731 - the view's clock
    with connect(pg_url, schema, autocommit=True) as conn:
        view = PostgresAgentMetricsView(conn, now=now)
        poison = MetricsChanges(
            minutes={("t", day, "s", secrets.token_urlsafe(8000), ""): MinuteCounts(calls=1)}
        )
        with pytest.raises(psycopg.Error):  # an index row too big for a btree
            view.apply(poison, 0, 1)
        fine = MetricsChanges(minutes={("t", day, "s", "main", "Bash"): MinuteCounts(calls=1)})
        view.apply(fine, 0, 1)
    assert db.execute("SELECT agent, calls FROM agent_metrics_minute").fetchall() == [("main", 1)]
