"""Running the production roles: ``serve``, ``project``, ``migrate`` (``up`` is in ``up.py``).

Each command parses its options and calls the composition root (``workers.bootstrap``).
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from workers.cli.common import insecure_option, load_settings, resolve_database, server_options


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
    from workers.bootstrap.process import start_process
    from workers.bootstrap.serving import WriterDidNotStartError, serve_http

    settings = load_settings(
        port=port, host=host, data_dir=data_dir, database_url=database_url,
        auth_mode="insecure" if insecure_dev else None,
    )  # fmt: skip
    start_process(settings)
    try:
        serve_http(settings, resolve_database(settings), role=role, workers=workers)
    except WriterDidNotStartError as error:
        raise click.ClickException(str(error)) from None


@click.command("ingest-writer", hidden=True)
@click.option("--socket", "socket_path", required=True)
def ingest_writer(socket_path: str) -> None:
    """The host's ingest writer (started by `serve --workers N`)."""
    from workers.bootstrap.process import start_process
    from workers.bootstrap.writer import run_ingest_writer

    settings = load_settings()
    start_process(settings)
    run_ingest_writer(settings, resolve_database(settings), socket_path)


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
    from workers.bootstrap.process import start_process
    from workers.bootstrap.projections import PROJECTIONS
    from workers.bootstrap.projectors import projector_set

    settings = load_settings(port=port, host=host, data_dir=data_dir, database_url=database_url)
    unknown = [n for n in names if n not in PROJECTIONS]
    if unknown:
        raise click.BadParameter(f"unknown projection(s): {', '.join(unknown)}; "
                                 f"known: {', '.join(PROJECTIONS)}")  # fmt: skip
    off = [n for n in names if not PROJECTIONS[n].enabled(settings)]
    if off:
        raise click.UsageError(f"{', '.join(off)}: its store is not configured "
                               "(see docs/configuration.md: OBSERVATORY_REDIS_URL…)")  # fmt: skip
    start_process(settings, worker_metrics=True)
    running = projector_set(settings, resolve_database(settings), names,
                            analytics_socket=analytics_socket)  # fmt: skip
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    running.start(stop)
    click.echo(f"Projecting {', '.join(running.workers)}; Ctrl-C to stop.")
    running.wait()


@click.command()
@server_options
def migrate(
    port: int | None, host: str | None, data_dir: Path | None, database_url: str | None
) -> None:
    """Apply database migrations (idempotent; `up` does this at start)."""
    from infra.migrate import migrate as apply_migrations
    from workers.bootstrap.stores import event_store

    settings = load_settings(port=port, host=host, data_dir=data_dir, database_url=database_url)
    url = resolve_database(settings)
    applied = apply_migrations(url, settings.database_schema)
    event_store(settings, url, pool_size=1).close()
    click.echo(f"Applied: {', '.join(applied)}" if applied else "Already up to date.")
