"""``observatory jobs``: a dramatiq worker for the background jobs (training, notifications)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click

from infra.settings import Settings
from workers.cli.common import load_settings, resolve_database


@dataclass
class Jobs:
    """A running dramatiq worker and what it holds; ``stop()`` ends it cleanly."""

    worker: Any
    queues: list[str]
    closers: list[Callable[[], object]] = field(default_factory=list)

    def stop(self) -> None:
        self.worker.stop()
        for close in reversed(self.closers):
            with contextlib.suppress(Exception):
                close()


def start_jobs(settings: Settings, url: str, threads: int) -> Jobs:
    """Declares the actors on the Redis broker and starts consuming (raises
    ``RedisNotConfiguredError`` without ``OBSERVATORY_REDIS_URL``)."""
    from dramatiq import Worker

    from infra.jobs import job_broker
    from workers.actors.train_models import train_models_actor

    broker = job_broker(settings)
    closers: list[Callable[[], object]] = [broker.close]
    queues = [str(train_models_actor(broker, url, settings.database_schema).queue_name)]
    if settings.notify_webhooks:
        from infra.redis_connections import redis_client
        from workers.actors.notify_alert import Notifier, notify_alert_actor

        client = redis_client(settings)
        closers.append(client.close)
        queues.append(str(notify_alert_actor(broker, Notifier(settings, client)).queue_name))
    worker = Worker(broker, worker_threads=threads)
    worker.start()
    return Jobs(worker, queues, closers)


@click.command()
@click.option("--threads", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Jobs run at once (a training uses one core).")  # fmt: skip
def jobs(threads: int) -> None:
    """Run background jobs until Ctrl-C: model training and alert notifications.

    Needs OBSERVATORY_REDIS_URL (the dramatiq broker) and the database. Notifications run
    only when OBSERVATORY_NOTIFY_WEBHOOKS is set. Start as many as you like, on any host.
    """
    import signal
    import threading

    from infra.logging import configure_logging
    from infra.redis_connections import RedisNotConfiguredError

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    url = resolve_database(settings)
    try:
        running = start_jobs(settings, url, threads)
    except RedisNotConfiguredError as error:
        raise click.ClickException(
            f"{error}: set it, e.g. OBSERVATORY_REDIS_URL=redis://127.0.0.1:6379/0"
        ) from None
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Running jobs from {', '.join(running.queues)} with {threads} threads; "
               "Ctrl-C stops.")  # fmt: skip
    try:
        while not stop.wait(1.0):
            pass
    finally:
        click.echo("Stopping (jobs in progress finish first)…")
        running.stop()
