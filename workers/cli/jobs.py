"""``observatory jobs``: a dramatiq worker for the background jobs (training, notifications)."""

from __future__ import annotations

import click

from workers.cli.common import load_settings, resolve_database


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

    from infra.redis_connections import RedisNotConfiguredError
    from workers.bootstrap.jobs import start_jobs
    from workers.bootstrap.process import start_process

    settings = load_settings()
    start_process(settings)
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
