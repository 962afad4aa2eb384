"""Running the production roles: ``serve``, ``project``, ``migrate`` (``up`` is in ``up.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import click

from workers.cli.common import insecure_option, load_settings, resolve_database, server_options

log = logging.getLogger("observatory")


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

        argv = [
            sys.executable,
            "-P",
            "-m",
            "workers.cli",
            "ingest-writer",
            "--socket",
            self.socket_path,
        ]
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
@click.option("--analytics-socket", hidden=True,
              help="Answer analytics queries from this process's chDB here (`up`).")  # fmt: skip
def project(
    port: int | None,
    host: str | None,
    data_dir: Path | None,
    database_url: str | None,
    names: tuple[str, ...],
    analytics_socket: str | None,
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
    server = None
    if analytics_socket:
        from workers.analytics import clickhouse
        from workers.analytics_server import AnalyticsServer

        server = AnalyticsServer(analytics_socket, clickhouse().get(settings))
    click.echo(f"Projecting {', '.join(t.name for t in threads)}; Ctrl-C to stop.")
    for thread in threads:
        thread.join()
    if server is not None:
        server.close()
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
