"""``observatory projections status|rebuild``."""

from __future__ import annotations

import time
from pathlib import Path

import click

from workers.cli.common import load_settings, resolve_database, server_options
from workers.cli.running import not_configured


@click.group()
def projections() -> None:
    """Inspect and rebuild read models."""


@projections.command()
@server_options
def status(
    port: int | None, host: str | None, data_dir: Path | None, database_url: str | None
) -> None:
    """Show each projection's position, the log head, the lag and parked events.

    A parked event is one a read model could not store: it was skipped and an alert raised
    (docs/read-models.md). Fix the cause, then `projections rebuild NAME` replays it.
    """
    from rich.console import Console
    from rich.table import Table

    from infra.database import connect
    from infra.leadership import Leadership
    from workers.bootstrap.projections import PROJECTIONS
    from workers.bootstrap.projectors import runner
    from workers.bootstrap.stores import event_store
    from workers.parking import counts

    settings = load_settings(port=port, host=host, data_dir=data_dir, database_url=database_url)
    url = resolve_database(settings)
    store = event_store(settings, url, pool_size=1)
    table = Table()
    table.add_column("projection", no_wrap=True)
    for heading in ("position", "log head", "lag (events)", "parked"):
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("runner", no_wrap=True)
    table.add_column("about", overflow="fold")
    try:
        with connect(url, settings.database_schema, autocommit=True) as conn:
            head = int(store.recorder.max_notification_id() or 0)
            stored = dict(
                conn.execute("SELECT name, position FROM projection_positions").fetchall()
            )
            parked = counts(conn)
            for spec in PROJECTIONS.values():
                if not spec.enabled(settings):
                    why = "OBSERVATORY_NOTIFY_WEBHOOKS is unset"
                    if not settings.redis_url:
                        why = not_configured(settings, "OBSERVATORY_REDIS_URL")
                    table.add_row(spec.name, "-", "-", "-", "-", "not configured",
                                  f"{spec.description}. {why}")  # fmt: skip
                    continue
                if spec.mirrored:  # its store may belong to a running process (chDB): ask PG
                    position = int(stored.get(spec.name, 0))
                else:
                    projector, view_conn = runner(spec, settings, url, store)
                    with view_conn:
                        position = projector.position
                key = f"observatory:projection:{settings.database_schema}:{spec.name}"
                free = Leadership(conn, key).try_acquire()
                if free:
                    conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))
                table.add_row(spec.name, str(position), str(head), str(max(0, head - position)),
                              str(parked.get(spec.name, 0)),
                              "none running" if free else "running", spec.description)  # fmt: skip
            if "relay:nats" in stored:
                position = int(stored["relay:nats"])
                table.add_row("relay (NATS)", str(position), str(head),
                              str(max(0, head - position)), "-", "-",
                              "the log published to JetStream (see docs/stream.md)")  # fmt: skip
    finally:
        store.close()
    Console().print(table)


@projections.command()
@server_options
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def rebuild(
    port: int | None,
    host: str | None,
    data_dir: Path | None,
    database_url: str | None,
    name: str,
    yes: bool,
) -> None:
    """Drop a read model and replay the whole event log into it.

    If a projector is running (e.g. inside `observatory up`) it does the replay and this
    command shows its progress; otherwise this command replays by itself.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from infra.leadership import Leadership
    from workers.bootstrap.projections import PROJECTIONS
    from workers.bootstrap.projectors import runner
    from workers.bootstrap.stores import event_store

    if name not in PROJECTIONS:
        raise click.BadParameter(f"unknown projection {name!r}; known: {', '.join(PROJECTIONS)}")
    settings = load_settings(port=port, host=host, data_dir=data_dir, database_url=database_url)
    if not PROJECTIONS[name].enabled(settings):
        raise click.UsageError(f"{name}: its store is not configured (see docs/configuration.md)")
    url = resolve_database(settings)
    if not yes:
        click.confirm(f"Drop {name} and replay it from the event log?", abort=True)
    store = event_store(settings, url, pool_size=1)
    try:
        projector, conn = runner(PROJECTIONS[name], settings, url, store)
    except RuntimeError as error:  # e.g. chDB's directory belongs to a running `observatory up`
        store.close()
        raise click.ClickException(
            f"cannot open {name}'s store: {error}. With chDB, stop `observatory up` first (or "
            "use a ClickHouse server: OBSERVATORY_CLICKHOUSE_URL)."
        ) from None
    started = time.perf_counter()
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())  # fmt: skip
    try:
        with conn, Progress(*columns) as progress:
            key = f"observatory:projection:{settings.database_schema}:{name}"
            leading = Leadership(conn, key).try_acquire()
            goal = projector.head()
            task = progress.add_task(f"rebuilding {name}", total=max(goal, 1))
            if leading:
                projector.rebuild(lambda done, target: progress.update(task, completed=done,
                                                                       total=target))  # fmt: skip
            else:
                projector.reset()
                while projector.stored_position() < goal:
                    progress.update(task, completed=projector.stored_position())
                    time.sleep(0.2)
            progress.update(task, completed=max(goal, 1))
    finally:
        store.close()
    seconds = time.perf_counter() - started
    rate = goal / seconds if seconds > 0 else 0.0
    click.echo(f"Rebuilt {name}: {goal} events in {seconds:.1f}s ({rate:,.0f} events/s).")
