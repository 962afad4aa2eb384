"""The HTTP processes: the composition root that wires settings into both APIs.

``create_app`` builds one Litestar app serving the write side (ingest), the read side
(GraphQL) or both, plus ``/healthz``, ``/readyz``, ``/metrics`` and the OpenAPI docs at
``/schema``. Connections are opened in the app's lifespan, never at import.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import warnings
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsPlugin
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from psycopg.conninfo import make_conninfo
from psycopg_pool import AsyncConnectionPool

from commands.access.follower import KeyFollower
from commands.access.service import AccessDesk
from commands.alerts.service import AlertActions, AlertDesk
from commands.guardrails.decider import Decider
from commands.guardrails.follower import PolicyFollower
from commands.guardrails.service import PolicyDesk
from commands.ingest.group_commit import GroupCommitter, RecordBatch, in_thread
from commands.ingest.remote import IngestWriterClient
from commands.ingest.service import Ingestor
from commands.privacy.service import PrivacyDesk
from commands.store.following import LogFollower
from domain.guardrails.defaults import DEFAULT_RULES
from infra.access.middleware import PUBLIC_PATHS, AuthenticationMiddleware, Authenticator
from infra.access.tokens import verifier_for
from infra.database import connect_async, create_read_engine, eventsourcing_env
from infra.keyring import keyring
from infra.metrics import observe_batch
from infra.problems import http_problem
from infra.redis_connections import async_redis_client
from infra.screening_pool import ScreeningPool
from infra.settings import Settings
from projections.agent_metrics.queries import AgentMetricsQueries
from projections.alerts.queries import AlertQueries
from projections.audit_log.queries import AuditLogQueries
from projections.event_analytics.clickhouse import event_analytics_view
from projections.event_analytics.queries import EventAnalyticsQueries
from projections.event_analytics.remote import RemoteClickHouse
from projections.guardrails.queries import GuardrailQueries
from projections.live_state.keys import LiveKeys
from projections.live_state.queries import LiveStateQueries
from projections.queries import PositionQueries
from projections.session_timeline.queries import SessionTimelineQueries
from read_api.app import read_handlers
from read_api.graphql.context import ReadSide
from read_api.waiting import PositionWaiter
from workers.analytics import clickhouse
from write_api.app import write_handlers
from write_api.doors import lean_ingest
from write_api.gate import IngestGate
from write_api.quarantine import PostgresQuarantine

log = logging.getLogger(__name__)

VERSION = "0.1.0"
STRAWBERRY_DEPENDENCIES = "(context|context_ws|custom_context|root_value|response)"


def utc_now() -> datetime:
    return datetime.now(UTC)


@get("/healthz", summary="Liveness", tags=["operations"], sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok", "version": VERSION}


@get("/readyz", summary="Readiness: the database answers", tags=["operations"])
async def readyz(state: State) -> dict[str, str]:

    ping: Callable[[], Any] = state.ping
    try:
        await asyncio.wait_for(ping(), timeout=2.0)
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        raise HTTPException(status_code=503, detail=f"database unavailable: {error}") from None
    return {"status": "ready"}


def create_app(
    settings: Settings,
    database_url: str,
    *,
    write: bool = True,
    read: bool = True,
    clock: Callable[[], datetime] = utc_now,
) -> Litestar:
    schema = settings.database_schema
    # strawberry's Litestar controller still relies on dependencies Litestar 2.25 calls
    # "inferred"; it works, and the warning is strawberry's to fix, not our users' to read.
    warnings.filterwarnings(
        "ignore", message=rf".*Inferred dependency field '{STRAWBERRY_DEPENDENCIES}'"
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # The group-commit writer thread waits on the database several times per batch; with
        # the default 5 ms GIL switch interval each wake-up can queue behind the event loop.
        sys.setswitchinterval(settings.gil_switch_interval_ms / 1000)
        async with contextlib.AsyncExitStack() as stack:
            pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
                make_conninfo(database_url, options=f"-c search_path={schema}"),
                min_size=1, max_size=4, open=False, kwargs={"autocommit": True},
            )  # fmt: skip
            await pool.open(wait=True, timeout=30)
            stack.push_async_callback(pool.close)

            async def ping() -> None:
                async with pool.connection() as conn:
                    await conn.execute("SELECT 1")

            app.state.ping = ping
            env = eventsourcing_env(database_url, schema, 2)
            access = await asyncio.to_thread(AccessDesk, env)
            stack.callback(access.close)
            app.state.access_desk = access
            keys = KeyFollower(access)
            await _follow(stack, keys, database_url)
            app.state.key_follower = keys
            app.state.authenticator = authenticator(settings, keys)
            alerts = await asyncio.to_thread(AlertDesk, env)  # REST (write) and GraphQL (read)
            stack.callback(alerts.close)
            app.state.alert_desk = alerts
            if write:
                await _start_write_side(app, stack, settings, database_url, pool, clock)
            if read:
                engine = create_read_engine(database_url, schema, settings.pool_size)
                stack.push_async_callback(engine.dispose)
                timeline = SessionTimelineQueries(engine)
                positions = PositionQueries(engine)
                waiter = PositionWaiter(
                    positions.position,
                    listen=lambda: connect_async(database_url, schema),
                    read_recorded=positions.recorded,
                )
                await waiter.start()
                stack.push_async_callback(waiter.stop)
                live = None
                if settings.redis_url:
                    client = async_redis_client(settings)
                    stack.push_async_callback(client.aclose)
                    live = LiveStateQueries(client, LiveKeys(settings.redis_prefix))
                app.state.read_side = ReadSide(
                    timeline, GuardrailQueries(engine, DEFAULT_RULES), AuditLogQueries(engine),
                    waiter, settings.tenant, AgentMetricsQueries(engine), live,
                    _analytics(settings), settings.min_position_timeout_seconds,
                    AlertQueries(engine), AlertActions(alerts),
                )  # fmt: skip
            yield

    handlers: list[Any] = [healthz, readyz, PrometheusController]
    if write:
        handlers += write_handlers()
    if read:
        handlers += read_handlers()
    prometheus = PrometheusConfig(
        # Ingest has its own, cheaper metrics (observatory_ingest_*): keep this off its hot path.
        app_name="observatory", prefix="observatory_http",
        # Regular expressions searched in the path: anchored, so that only these routes
        # are left out (a rule or session id that contains "metrics" is still counted).
        exclude=[r"^/metrics$", r"^/healthz$", r"^/v1/hooks/", r"^/events$"],
        group_path=True,
    )  # fmt: skip
    app = Litestar(
        route_handlers=handlers,
        lifespan=[lifespan],
        plugins=[
            ProblemDetailsPlugin(
                ProblemDetailsConfig(
                    enable_for_all_http_exceptions=True,
                    # Litestar's own 404/405/400s carry a reason like every other refusal.
                    exception_to_problem_detail_map={HTTPException: http_problem},
                )
            )
        ],
        middleware=[
            prometheus.middleware,
            DefineMiddleware(AuthenticationMiddleware, exclude=PUBLIC_PATHS),
        ],
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(title="Observatory", version=VERSION, path="/schema"),
        logging_config=None,  # the entry point configured structured logging
        debug=False,
    )
    return lean_ingest(app) if write else app


def _analytics(settings: Settings) -> Callable[[], EventAnalyticsQueries]:
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


def group_committer(settings: Settings, record: RecordBatch) -> GroupCommitter:
    """The group-commit writer configured from settings (API workers and the host writer)."""
    return GroupCommitter(
        record,
        max_batch=settings.ingest_max_batch,
        max_queue=settings.ingest_max_queue,
        linger=settings.ingest_linger_ms / 1000,
        observe=observe_batch,
    )


async def _start_write_side(
    app: Litestar,
    stack: contextlib.AsyncExitStack,
    settings: Settings,
    database_url: str,
    pool: AsyncConnectionPool[Any],
    clock: Callable[[], datetime],
) -> None:
    """The ingest gate and the command desks, each closed with the app."""
    env = eventsourcing_env(database_url, settings.database_schema, 2)
    record = await stack.enter_async_context(_recorder(settings, database_url))
    committer = group_committer(settings, record)
    await committer.start()
    stack.push_async_callback(committer.stop)
    desk = await asyncio.to_thread(PolicyDesk, env)
    stack.callback(desk.close)
    app.state.policy_desk = desk
    follower = PolicyFollower(desk)
    await _follow(stack, follower, database_url)
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
        decider=Decider(follower),
        sealer=sealer,
    )


async def _follow(
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


@contextlib.asynccontextmanager
async def _recorder(settings: Settings, database_url: str) -> AsyncIterator[RecordBatch]:
    """The host's ingest writer when one runs (``serve --workers N``), else an in-process
    Ingestor on its own thread."""
    if settings.ingest_socket:
        client = IngestWriterClient(settings.ingest_socket)
        try:
            yield client.record
        finally:
            await client.close()
        return
    env = eventsourcing_env(database_url, settings.database_schema, settings.pool_size)
    ingestor = await asyncio.to_thread(Ingestor, env)
    record, stop_thread = in_thread(ingestor.record)
    try:
        yield record
    finally:
        stop_thread()
        ingestor.close()


def app_from_env() -> Litestar:
    """Factory for ``uvicorn --factory`` (compose services, ``serve --workers``)."""
    settings = Settings.from_env()
    role = os.environ.get("OBSERVATORY_ROLE", "all")
    if settings.database_url is None:
        raise RuntimeError("set OBSERVATORY_DATABASE_URL for `serve` (`up` runs its own server)")
    return create_app(
        settings,
        settings.database_url,
        write=role in ("all", "write"),
        read=role in ("all", "read"),
    )
