"""The ``serve`` role: the HTTP app, with the write side (ingest, commands), the read side
(GraphQL, audit) or both, plus ``/healthz``, ``/readyz``, ``/metrics`` and the OpenAPI docs
at ``/schema``. Connections are opened in the app's lifespan, never at import.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import warnings
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from litestar import Litestar
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
from commands.approvals.actions import ApprovalActions
from commands.approvals.follower import ApprovalFollower
from commands.approvals.holding import ApprovalHold
from commands.approvals.service import ApprovalDesk
from infra.access.middleware import PUBLIC_PATHS, AuthenticationMiddleware
from infra.database import eventsourcing_env
from infra.problems import http_problem
from infra.settings import Settings
from infra.version import version
from read_api.app import read_handlers
from read_api.dashboard import dashboard_handlers
from workers.bootstrap.otlp_grpc import serve_otlp_grpc
from workers.bootstrap.sides import authenticator, follow, start_read_side, start_write_side
from workers.serve import healthz, readyz
from write_api.app import write_handlers
from write_api.doors import lean_ingest

STRAWBERRY_DEPENDENCIES = "(context|context_ws|custom_context|root_value|response)"


def utc_now() -> datetime:
    return datetime.now(UTC)


def api_app(
    settings: Settings,
    database_url: str | None = None,
    *,
    write: bool = True,
    read: bool = True,
    clock: Callable[[], datetime] = utc_now,
) -> Litestar:
    """The app on ``database_url`` (default: ``settings.database_url``); ``clock`` stamps
    arrivals (tests pass their own)."""
    url = database_url or settings.database_url
    if url is None:
        raise ValueError("api_app needs a database URL (settings.database_url or database_url)")
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
            pool = await _start_common(app, stack, settings, url)
            if write:
                await start_write_side(app, stack, settings, url, pool, clock)
                await serve_otlp_grpc(app, stack, settings)
            if read:
                await start_read_side(app, stack, settings, url)
            yield

    handlers: list[Any] = [healthz, readyz, PrometheusController]
    if write:
        handlers += write_handlers()
    if read:
        handlers += read_handlers() + dashboard_handlers()
    prometheus = PrometheusConfig(
        # Ingest has its own, cheaper metrics (observatory_ingest_*): keep this off its hot path.
        app_name="observatory", prefix="observatory_http",
        # Regular expressions searched in the path: anchored, so that only these routes
        # are left out (a rule or session id that contains "metrics" is still counted).
        exclude=[r"^/metrics$", r"^/healthz$", r"^/v1/hooks/", r"^/events$",
                 r"^/v1/(logs|metrics|traces)$"],
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
        openapi_config=OpenAPIConfig(title="Observatory", version=version(), path="/schema"),
        logging_config=None,  # the entry point configured structured logging
        debug=False,
    )
    return lean_ingest(app) if write else app


async def _start_common(
    app: Litestar, stack: contextlib.AsyncExitStack, settings: Settings, url: str
) -> AsyncConnectionPool[Any]:
    """What both sides use: the pool behind ``/readyz`` (and the quarantine), the access
    desk and its key follower (authentication), the alert desk (REST and GraphQL), the
    approval desk and its follower (held hooks, REST and GraphQL)."""
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        make_conninfo(url, options=f"-c search_path={settings.database_schema}"),
        min_size=1, max_size=4, open=False, kwargs={"autocommit": True},
    )  # fmt: skip
    await pool.open(wait=True, timeout=30)
    stack.push_async_callback(pool.close)

    async def ping() -> None:
        async with pool.connection() as conn:
            await conn.execute("SELECT 1")

    app.state.ping = ping
    env = eventsourcing_env(url, settings.database_schema, 2)
    access = await asyncio.to_thread(AccessDesk, env)
    stack.callback(access.close)
    app.state.access_desk = access
    keys = KeyFollower(access)
    await follow(stack, keys, url)
    app.state.key_follower = keys
    app.state.authenticator = authenticator(settings, keys)
    alerts = await asyncio.to_thread(AlertDesk, env)
    stack.callback(alerts.close)
    app.state.alert_actions = AlertActions(alerts)
    # People answer at human pace: one connection (the follower reads through it too).
    approvals = await asyncio.to_thread(
        ApprovalDesk, eventsourcing_env(url, settings.database_schema, 1)
    )
    stack.callback(approvals.close)
    inbox = ApprovalFollower(approvals)
    await follow(stack, inbox, url)
    app.state.approval_hold = ApprovalHold(approvals, inbox)
    app.state.approval_actions = ApprovalActions(approvals, inbox)
    return pool
