"""Fixtures for tests on real servers: an event store, an in-process app, a live HTTP server.

Everything is built by the composition root (``workers.bootstrap``), as the processes are,
from the test's own settings.
"""

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
from infra.database import connect
from infra.embedded.postgres import free_port
from infra.keyring import Keyring
from infra.keyring import keyring as make_keyring
from infra.settings import Settings
from projections.guardrails.projection import NAME as GUARDRAILS
from projections.session_timeline.view import NAME as TIMELINE
from workers.bootstrap.api import api_app
from workers.bootstrap.projections import PROJECTIONS
from workers.bootstrap.projectors import runner
from workers.bootstrap.stores import event_store
from workers.http_server import uvicorn_options
from workers.projector import ProjectorRunner


@pytest.fixture
def settings(pg_url: str, schema: str, tmp_path: Path) -> Settings:
    """Authentication off: tests of other promises act as an admin of tenant ``default``
    (``secure_settings`` and tests/integration/test_access.py test authentication). No
    OTLP/gRPC port (tests share the machine's 4317): its tests pick a free one."""
    return Settings(
        database_url=pg_url, database_schema=schema, port=free_port(),
        data_dir=tmp_path / "data", auth_mode="insecure", otlp_grpc_port=0,
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
def store(settings: Settings, pg_url: str) -> Iterator[EventStoreApplication]:
    app = event_store(settings, pg_url)
    yield app
    app.close()


@pytest.fixture
def db(pg_url: str, schema: str) -> Iterator[psycopg.Connection[Any]]:
    with connect(pg_url, schema, autocommit=True) as conn:
        yield conn


@pytest.fixture
def timeline(
    settings: Settings, pg_url: str, store: EventStoreApplication
) -> Iterator[ProjectorRunner]:
    """A runner the test drives itself: ``catch_up()`` applies everything stored so far
    (no parking: a failure stops it)."""
    small = settings.replace(projector_batch=17)  # small on purpose: many batch boundaries
    projector, conn = runner(PROJECTIONS[TIMELINE], small, pg_url, store, parked=False)
    with conn:
        yield projector


@pytest.fixture
def client(settings: Settings, pg_url: str) -> Iterator[TestClient[Any]]:
    with TestClient(api_app(settings, pg_url), raise_server_exceptions=False) as test_client:
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
        self.app = api_app(settings, url)
        config = uvicorn.Config(self.app, **options)
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
def guardrails(
    settings: Settings, pg_url: str, store: EventStoreApplication
) -> Iterator[ProjectorRunner]:
    """The guardrails projection, driven by the test (``catch_up()``)."""
    small = settings.replace(projector_batch=7)
    projector, conn = runner(PROJECTIONS[GUARDRAILS], small, pg_url, store, parked=False)
    with conn:
        yield projector


def follow(client: TestClient[Any]) -> int:
    """Brings the in-process app's guardrail state up to date (as its follower thread would)."""
    return int(client.app.state.gate.decider.follower.catch_up())
