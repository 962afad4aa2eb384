"""``observatory score``: the ML scoring worker."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from workers.cli.common import load_settings, resolve_database, server_options
from workers.cli.stream import nats_option, resolve_nats


@click.command()
@server_options
@nats_option
@click.option("--batch", type=click.IntRange(1, 5000), default=500, show_default=True,
              help="Events pulled and scored at a time.")  # fmt: skip
def score(
    port: int | None, host: str | None, data_dir: Path | None, database_url: str | None,
    nats_url: str | None, batch: int,
) -> None:  # fmt: skip
    """Score sessions as their events arrive on the stream, until Ctrl-C (see docs/ml.md).

    Reads the JetStream stream the relay fills (durable consumer ml-scoring: several workers
    share the load), scores each session with its tenant's promoted models and records the
    assessments that reach a threshold; critical alerts then quarantine their session.
    """
    from commands.reactions.runner import start
    from workers.bootstrap.process import start_process
    from workers.bootstrap.scoring import scoring

    settings = load_settings(port=port, host=host, data_dir=data_dir, database_url=database_url)
    start_process(settings, worker_metrics=True)
    settings = settings.replace(nats_url=nats_url or resolve_nats(settings))
    worker = scoring(settings, resolve_database(settings), batch=batch)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    thread = start(worker, stop)
    click.echo(
        f"Scoring events from {settings.nats_stream} at {settings.nats_url}; Ctrl-C to stop."
    )
    thread.join()
    click.echo(f"Scored {worker.stats.events} events, recorded {worker.stats.assessments} "
               "assessments.")  # fmt: skip
