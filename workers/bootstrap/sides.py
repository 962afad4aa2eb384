"""The two sides of the API app, built in its lifespan (``workers.bootstrap.api``): the
write side (the ingest gate and the command desks) and the read side (GraphQL queries over
the read models), each closed with the app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from litestar import Litestar
from psycopg.conninfo import make_conninfo
from psycopg_pool import AsyncConnectionPool

from commands.access.follower import KeyFollower
from commands.guardrails.budgets import SpendLedger
from commands.guardrails.decider import Decider
from commands.guardrails.follower import PolicyFollower
from commands.guardrails.service import PolicyDesk
from commands.privacy.service import PrivacyDesk
from commands.store.following import LogFollower
from domain.guardrails.defaults import DEFAULT_RULES
from infra.access.middleware import Authenticator
from infra.access.tokens import verifier_for
from infra.database import connect_async, create_read_engine, eventsourcing_env
from infra.keyring import keyring
from infra.redis_connections import async_redis_client
from infra.screening_pool import ScreeningPool
from infra.settings import Settings
from projections.activity.queries import ActivityQueries
from projections.agent_metrics.queries import AgentMetricsQueries
from projections.alerts.queries import AlertQueries
from projections.audit_log.queries import AuditLogQueries
from projections.event_analytics.clickhouse import event_analytics_view
from projections.event_analytics.queries import EventAnalyticsQueries
from projections.event_analytics.remote import RemoteClickHouse
from projections.guardrails.queries import GuardrailQueries
from projections.live_state.keys import LiveKeys
from projections.live_state.projection import NAME as LIVE_STATE
from projections.live_state.queries import LiveStateQueries
from projections.queries import PositionQueries
from projections.session_timeline.queries import SessionTimelineQueries
from projections.usage.clickhouse import usage_view
from projections.usage.clickhouse_queries import ClickHouseUsageQueries
from projections.usage.queries import UsageQueries
from read_api.graphql.context import ReadSide
from read_api.waiting import PositionWaiter
from workers.analytics import clickhouse
from workers.bootstrap.writer import group_committer, ingest_recorder
from write_api.gate import IngestGate
from write_api.quarantine import PostgresQuarantine

log = logging.getLogger(__name__)


async def start_write_side(
    app: Litestar,
    stack: contextlib.AsyncExitStack,
    settings: Settings,
    database_url: str,
    pool: AsyncConnectionPool[Any],
    clock: Callable[[], datetime],
) -> None:
    """The ingest gate and the command desks."""
    env = eventsourcing_env(database_url, settings.database_schema, 2)
    record = await stack.enter_async_context(ingest_recorder(settings, database_url))
    committer = group_committer(settings, record)
    await committer.start()
    stack.push_async_callback(committer.stop)
    desk = await asyncio.to_thread(PolicyDesk, env)
    stack.callback(desk.close)
    app.state.policy_desk = desk
    follower = PolicyFollower(desk)
    await follow(stack, follower, database_url)
    ledger = SpendLedger(desk)
    await asyncio.to_thread(ledger.catch_up)
    thread, stop = ledger.start_polling()
    stack.callback(thread.join, 5)
    stack.callback(stop.set)
    sealer = await asyncio.to_thread(keyring, settings, database_url)
    stack.callback(sealer.close)
    app.state.keyring = sealer
    privacy = await asyncio.to_thread(PrivacyDesk, env)
    stack.callback(privacy.close)
    app.state.privacy_desk = privacy
    screener = ScreeningPool(settings.screen_budget_ms, workers=settings.screen_workers)
    stack.callback(screener.close)
    await screener.start()
    app.state.gate = IngestGate(
        committer,
        PostgresQuarantine(pool),
        tenant_id=settings.tenant,
        max_body_bytes=settings.max_body_bytes,
        max_depth=settings.max_json_depth,
        clock=clock,
        screener=screener,
        decider=Decider(follower, ledger),
        sealer=sealer,
        approvals=app.state.approval_hold,
    )


async def start_read_side(
    app: Litestar, stack: contextlib.AsyncExitStack, settings: Settings, database_url: str
) -> None:
    """The read models' queries, the position waiter (``minPosition``), live state."""
    schema = settings.database_schema
    engine = create_read_engine(database_url, schema, settings.pool_size)
    stack.push_async_callback(engine.dispose)
    timeline = SessionTimelineQueries(engine)
    positions = PositionQueries(engine)
    live = None
    if settings.redis_url:
        client = async_redis_client(settings)
        stack.push_async_callback(client.aclose)
        live = LiveStateQueries(client, LiveKeys(settings.redis_prefix))

    async def position(name: str) -> int:
        """Live state keeps its position in Redis, beside the state; the rest in PostgreSQL."""
        if name == LIVE_STATE and live is not None:
            return await live.position()
        return await positions.position(name)

    waiter = PositionWaiter(
        position,
        listen=lambda: connect_async(database_url, schema),
        read_recorded=positions.recorded,
    )
    await waiter.start()
    stack.push_async_callback(waiter.stop)
    app.state.read_side = ReadSide(
        timeline, GuardrailQueries(engine, DEFAULT_RULES), AuditLogQueries(engine),
        waiter, settings.tenant, AgentMetricsQueries(engine), live,
        analytics(settings), settings.min_position_timeout_seconds,
        AlertQueries(engine), app.state.alert_actions, UsageQueries(engine),
        ActivityQueries(engine),
        clickhouse_usage(settings) if settings.usage_store == "clickhouse" else None,
        app.state.approval_actions,
    )  # fmt: skip


def analytics(settings: Settings) -> Callable[[], EventAnalyticsQueries]:
    """Analytics queries, connected on first use: chDB is opened by one process at a time,
    and most API processes (hooks only) never need it."""
    opened: list[EventAnalyticsQueries] = []
    lock = threading.Lock()
    if settings.analytics_socket:  # `up`: its analytics child holds chDB and answers for it
        remote = RemoteClickHouse(settings.analytics_socket)
        opened.append(EventAnalyticsQueries(remote, settings.clickhouse_database))

    def queries() -> EventAnalyticsQueries:
        with lock:
            if not opened:
                connections = clickhouse()
                event_analytics_view(settings, connections)  # applies ClickHouse migrations
                opened.append(EventAnalyticsQueries(connections.get(settings),
                                                    settings.clickhouse_database))  # fmt: skip
            return opened[0]

    return queries


def clickhouse_usage(settings: Settings) -> Callable[[], ClickHouseUsageQueries]:
    """Usage queries on ClickHouse, connected on first use as ``analytics``."""
    opened: list[ClickHouseUsageQueries] = []
    lock = threading.Lock()
    if settings.analytics_socket:
        remote = RemoteClickHouse(settings.analytics_socket)
        opened.append(ClickHouseUsageQueries(remote, settings.clickhouse_database))

    def queries() -> ClickHouseUsageQueries:
        with lock:
            if not opened:
                connections = clickhouse()
                usage_view(settings, connections)  # applies ClickHouse migrations
                opened.append(ClickHouseUsageQueries(connections.get(settings),
                                                     settings.clickhouse_database))  # fmt: skip
            return opened[0]

    return queries


async def follow(
    stack: contextlib.AsyncExitStack, follower: LogFollower, database_url: str
) -> None:
    """Catches up now, then follows on a thread until the app stops."""
    await asyncio.to_thread(follower.catch_up)
    thread, stop = follower.start(make_conninfo(database_url))
    stack.callback(thread.join, 5)
    stack.callback(stop.set)


def authenticator(settings: Settings, keys: KeyFollower) -> Authenticator:
    if settings.auth_mode == "insecure":
        log.warning(
            "AUTHENTICATION IS OFF (insecure dev mode): anyone who can reach port %s is an "
            "admin of tenant %r", settings.port, settings.tenant,
        )  # fmt: skip
        return Authenticator("insecure", default_tenant=settings.tenant)
    return Authenticator(
        settings.auth_mode, default_tenant=settings.tenant, verifier=verifier_for(settings),
        keys=keys,
    )  # fmt: skip
