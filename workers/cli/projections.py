"""``observatory projections status|rebuild``."""

from __future__ import annotations

import time
from pathlib import Path

import click

from workers.cli.common import load_settings, resolve_database, server_options


@click.group()
def projections() -> None:
    """Inspect and rebuild read models."""


@projections.command()
@server_options
def status(
    port: int | None, host: str | None, data_dir: Path | None, database_url: str | None
) -> None:
    """Show each projection's position, the log head and the lag."""
    from rich.console import Console
    from rich.table import Table

    from commands.store.application import EventStoreApplication
    from infra.database import eventsourcing_env
    from workers.projector import Leadership
    from workers.registry import PROJECTIONS, runner

    settings = load_settings(port=port, host=host, data_dir=data_dir, database_url=database_url)
    url = resolve_database(settings)
    store = EventStoreApplication(eventsourcing_env(url, settings.database_schema, 1))
    table = Table()
    table.add_column("projection", no_wrap=True)
    for heading in ("position", "log head", "lag (events)"):
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("runner", no_wrap=True)
    table.add_column("about", overflow="fold")
    try:
        for spec in PROJECTIONS.values():
            if not spec.enabled(settings):
                table.add_row(spec.name, "-", "-", "-", "store not configured", spec.description)
                continue
            projector, conn = runner(spec, settings, url, store)
            with conn:
                key = f"observatory:projection:{settings.database_schema}:{spec.name}"
                free = Leadership(conn, key).try_acquire()
                head = projector.head()
                table.add_row(
                    spec.name, str(projector.position), str(head),
                    str(max(0, head - projector.position)),
                    "none running" if free else "running", spec.description,
                )  # fmt: skip
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

    from commands.store.application import EventStoreApplication
    from infra.database import eventsourcing_env
    from workers.projector import Leadership
    from workers.registry import PROJECTIONS, runner

    if name not in PROJECTIONS:
        raise click.BadParameter(f"unknown projection {name!r}; known: {', '.join(PROJECTIONS)}")
    settings = load_settings(port=port, host=host, data_dir=data_dir, database_url=database_url)
    if not PROJECTIONS[name].enabled(settings):
        raise click.UsageError(f"{name}: its store is not configured (see docs/configuration.md)")
    url = resolve_database(settings)
    if not yes:
        click.confirm(f"Drop {name} and replay it from the event log?", abort=True)
    store = EventStoreApplication(eventsourcing_env(url, settings.database_schema, 1))
    projector, conn = runner(PROJECTIONS[name], settings, url, store)
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
