"""Fixtures for tests on real servers: an event store, an in-process app, a live HTTP server."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import uvicorn
from litestar.testing import TestClient

from commands.store.application import EventStoreApplication
from infra.database import connect, eventsourcing_env
from infra.embedded.postgres import free_port
from infra.keyring import Keyring
from infra.keyring import keyring as make_keyring
from infra.settings import Settings
from projections.session_timeline.postgres import PostgresSessionTimelineView
from projections.session_timeline.projection import SessionTimelineProjection
from projections.session_timeline.view import NAME
from workers.http_server import uvicorn_options
from workers.projector import ProjectorRunner
from workers.serve import create_app


@pytest.fixture
def settings(pg_url: str, schema: str, tmp_path: Path) -> Settings:
    """Authentication off: tests of other promises act as an admin of tenant ``default``
    (``secure_settings`` and tests/integration/test_access.py test authentication)."""
    return Settings(
        database_url=pg_url, database_schema=schema, port=free_port(),
        data_dir=tmp_path / "data", auth_mode="insecure",
    )  # fmt: skip


@pytest.fixture
def secure_settings(settings: Settings) -> Settings:
    """Authentication on, with a local signing key in the test's data dir."""
    return settings.replace(auth_mode="local")


@pytest.fixture
def keyring(settings: Settings, pg_url: str) -> Iterator[Keyring]:
    """The local keyring (master key in the test's data dir)."""
    ring = make_keyring(settings, pg_url)
    yield ring
    ring.close()


@pytest.fixture
def store(pg_url: str, schema: str) -> Iterator[EventStoreApplication]:
    app = EventStoreApplication(eventsourcing_env(pg_url, schema, 2))
    yield app
    app.close()


@pytest.fixture
def db(pg_url: str, schema: str) -> Iterator[psycopg.Connection[Any]]:
    with connect(pg_url, schema, autocommit=True) as conn:
        yield conn


@pytest.fixture
def timeline(pg_url: str, schema: str, store: EventStoreApplication) -> Iterator[ProjectorRunner]:
    """A runner the test drives itself: ``catch_up()`` applies everything stored so far."""
    with connect(pg_url, schema, autocommit=True) as conn:
        yield ProjectorRunner(
            NAME,
            store,
            SessionTimelineProjection(),
            PostgresSessionTimelineView(conn),
            batch_size=17,  # small on purpose: many batch boundaries
        )


@pytest.fixture
def client(settings: Settings, pg_url: str) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(settings, pg_url), raise_server_exceptions=False) as test_client:
        yield test_client


class LiveServer:
    """The app served by uvicorn on a free port, in a thread (for real-HTTP tests)."""

    def __init__(self, settings: Settings, url: str) -> None:
        self.settings = settings
        self.base_url = f"http://127.0.0.1:{settings.port}"
        started = threading.Event()

        class Server(uvicorn.Server):
            async def startup(self, sockets: Any = None) -> None:
                await super().startup(sockets=sockets)
                started.set()

        options = {**uvicorn_options(settings), "host": "127.0.0.1"}
        config = uvicorn.Config(create_app(settings, url), **options)
        self._server = Server(config)
        self._thread = threading.Thread(target=lambda: asyncio.run(self._server.serve()))
        self._thread.start()
        if not started.wait(30):
            raise RuntimeError("the test server did not start")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(30)


@pytest.fixture
def live_server(settings: Settings, pg_url: str) -> Iterator[LiveServer]:
    server = LiveServer(settings, pg_url)
    yield server
    server.stop()


@pytest.fixture
def guardrails(pg_url: str, schema: str, store: EventStoreApplication) -> Iterator[ProjectorRunner]:
    """The guardrails projection, driven by the test (``catch_up()``)."""
    from projections.guardrails.postgres import PostgresGuardrailsView
    from projections.guardrails.projection import NAME as GUARDRAILS
    from projections.guardrails.projection import GuardrailsProjection

    with connect(pg_url, schema, autocommit=True) as conn:
        yield ProjectorRunner(
            GUARDRAILS, store, GuardrailsProjection(), PostgresGuardrailsView(conn), batch_size=7
        )


def follow(client: TestClient[Any]) -> int:
    """Brings the in-process app's guardrail state up to date (as its follower thread would)."""
    return int(client.app.state.gate.decider.follower.catch_up())
