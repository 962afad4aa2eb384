"""kill -9 the projector while it works through a backlog: after a restart every read model
holds each stored event exactly once (counts equal the event store's)."""

from __future__ import annotations

import signal
import uuid

import httpx
import redis

from commands.ingest.service import Ingestor
from infra.database import eventsourcing_env
from infra.embedded.postgres import free_port
from infra.settings import Settings
from projections.event_analytics.connections import borrowed
from projections.event_analytics.queries import EventAnalyticsQueries
from projections.live_state.keys import LiveKeys
from tests.cleanup import delete_redis_keys
from tests.e2e.processes import env, kill_group, start
from tests.projection_support import calls_in_store, corpus_commands, hooks_in_store

REDIS_URL = "redis://127.0.0.1:6379/0"
NAMES = ("agent_metrics", "event_analytics", "live_state", "session_timeline")
COPIES = 60


def events_of(store, tenant: str) -> int:
    return sum(1 for n in store.recorder.select_notifications(start=1, limit=1_000_000)
               if getattr(store.mapper.to_domain_event(n), "tenant_id", None) == tenant)  # fmt: skip


def positions(db) -> dict[str, int]:
    rows = db.execute("SELECT name, position FROM projection_positions").fetchall()
    return dict(rows)


def wait_for_pg(db, name: str, position: int) -> None:
    db.execute("LISTEN observatory_projections")
    while positions(db).get(name, 0) < position:
        assert any(True for _ in db.notifies(timeout=60, stop_after=1)), f"{name} stalled"


def wait_for_redis(client: redis.Redis, keys: LiveKeys, position: int) -> None:
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(keys.positions)
    try:
        while int(client.get(keys.position) or 0) < position:
            assert pubsub.get_message(timeout=60) is not None, "live_state stalled"
    finally:
        pubsub.close()


def test_projectors_killed_mid_batch_resume_with_nothing_missing_or_twice(
    pg_url, schema, store, db, tmp_path
):
    ingestor = Ingestor(eventsourcing_env(pg_url, schema, 2))
    for copy in range(COPIES):
        ingestor.record(corpus_commands("acme", f"-{copy}"))
    hooks = hooks_in_store(ingestor, "acme")
    tool_calls = calls_in_store(ingestor, "acme")  # each call once, whichever hooks saw it
    ingestor.close()
    head = int(store.recorder.max_notification_id())
    keys = LiveKeys(f"crash{uuid.uuid4().hex[:8]}")
    metrics_port = free_port()
    environment = env(
        OBSERVATORY_DATABASE_URL=pg_url, OBSERVATORY_DATABASE_SCHEMA=schema,
        OBSERVATORY_REDIS_URL=REDIS_URL, OBSERVATORY_REDIS_PREFIX=keys.prefix,
        OBSERVATORY_PROJECTOR_BATCH="50", OBSERVATORY_LOG_LEVEL="warning",
        OBSERVATORY_DATA_DIR=str(tmp_path / "data"),
        OBSERVATORY_WORKER_METRICS_PORT=str(metrics_port),
    )  # fmt: skip
    log = tmp_path / "projector.log"
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        projector = start(["project", *NAMES], environment, log)
        wait_for_pg(db, "agent_metrics", head // 3)  # well into the backlog, still working
        kill_group(projector, signal.SIGKILL)
        projector.wait()
        assert min(positions(db)[n] for n in ("agent_metrics", "session_timeline")) < head

        projector = start(["project", *NAMES], environment, log)
        try:
            for name in ("agent_metrics", "event_analytics", "session_timeline"):
                wait_for_pg(db, name, head)  # event_analytics: the position its runner mirrors
            wait_for_redis(client, keys, head)
            metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
            assert 'observatory_projection_lag_events{name="agent_metrics"}' in metrics
        finally:
            kill_group(projector, signal.SIGTERM)
            projector.wait(30)

        calls, failures = db.execute(
            "SELECT sum(calls), sum(failures) FROM agent_metrics_minute WHERE tenant_id = 'acme'"
        ).fetchone()
        assert (calls, failures) == (tool_calls, hooks["PostToolUseFailure"])
        counters = client.hgetall(keys.counters("acme"))
        assert int(counters["events"]) == sum(hooks.values())
        assert int(counters["tool_calls"]) == hooks["PreToolUse"]
        events = db.execute("SELECT count(*), count(DISTINCT position) FROM timeline_events")
        assert events.fetchone() == (sum(hooks.values()), sum(hooks.values()))
        analytics = Settings(data_dir=tmp_path / "data")  # the projector's chDB, now closed
        with borrowed(analytics, None) as connection:
            queries = EventAnalyticsQueries(connection, analytics.clickhouse_database)
            assert queries.count_events("acme") == events_of(store, "acme")
    finally:
        client.close()
        delete_redis_keys(REDIS_URL, f"{keys.prefix}:*")
