"""``observatory relay`` (event log -> NATS JetStream) and ``observatory stream tail``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

import click

from infra.settings import Settings
from workers.cli.common import load_settings, resolve_database, server_options


def nats_option(func: Any) -> Any:
    return click.option(
        "--nats-url",
        default=None,
        help="NATS server with JetStream [env: OBSERVATORY_NATS_URL; default: the embedded "
        "server `observatory up` runs].",
    )(func)


def resolve_nats(settings: Settings) -> str:
    """The configured NATS, or the embedded server ``observatory up`` is running."""
    if settings.nats_url:
        return settings.nats_url
    from infra.embedded.nats import EmbeddedNats

    embedded = EmbeddedNats(settings.data_dir / "nats")
    port = embedded.running_port()
    if port is None:
        raise click.ClickException(
            "no NATS: start `observatory up` first, or set OBSERVATORY_NATS_URL "
            f"(looked for an embedded server in {embedded.root})"
        )
    embedded.port = port
    return embedded.url


@click.command()
@server_options
@nats_option
@click.option("--batch", type=click.IntRange(1, 4000), default=1000, show_default=True,
              help="Events published (and acknowledged) per checkpoint.")  # fmt: skip
@click.option("--exit-when-caught-up", is_flag=True,
              help="Exit once the stream holds the log as it was at start (backfill).")  # fmt: skip
@click.option("--quiet", is_flag=True,
              help="No progress lines, only warnings and errors (as `up` runs it).")  # fmt: skip
def relay(
    port: int | None,
    host: str | None,
    data_dir: Path | None,
    database_url: str | None,
    nats_url: str | None,
    batch: int,
    exit_when_caught_up: bool,
    quiet: bool,
) -> None:
    """Publish the event log to NATS JetStream until Ctrl-C (see docs/stream.md).

    Each event is published once, in log order, to <prefix>.<tenant>.<event>.v1. Several
    relays may run: one leads (PostgreSQL advisory lock), the others stand by.
    """
    from commands.reactions.runner import start
    from workers.bootstrap.process import start_process
    from workers.bootstrap.relay import relay as bootstrap_relay

    settings = load_settings(port=port, host=host, data_dir=data_dir, database_url=database_url)
    start_process(settings, worker_metrics=True)
    settings = settings.replace(nats_url=nats_url or resolve_nats(settings))
    running = bootstrap_relay(settings, resolve_database(settings), batch_size=batch)
    store, worker = running.store, running.worker
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}  # fmt: skip
    goal = int(store.recorder.max_notification_id() or 0)
    thread = start(worker, stop)
    click.echo(f"Relaying to {settings.nats_url} stream {settings.nats_stream}; Ctrl-C to stop.")
    started, shown = time.monotonic(), ""
    try:
        while thread.is_alive() and not stop.wait(0.5):
            caught_up = worker.leading and worker.position >= goal
            line = _progress(worker, goal)
            if line != shown and not quiet:
                click.echo(line)
                shown = line
            if exit_when_caught_up and caught_up:
                break
    finally:
        stop.set()
        thread.join()
        running.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    seconds = time.monotonic() - started
    click.echo(f"Stopped at position {worker.position}: {worker.stats.published} published "
               f"in {seconds:.1f}s, {worker.stats.failures} retries.")  # fmt: skip


def _progress(worker: Any, goal: int) -> str:
    if not worker.leading:
        return "standing by (another relay leads, or NATS/PostgreSQL is unavailable) …"
    head = max(worker.head, goal)
    return (f"position {worker.position} of {head}, lag {max(0, head - worker.position)} "
            f"events, {worker.stats.published} published")  # fmt: skip


@click.group()
def stream() -> None:
    """Follow the event stream on NATS JetStream (what `observatory relay` publishes)."""


@stream.command()
@nats_option
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where `observatory up` keeps data [env: OBSERVATORY_DATA_DIR].")  # fmt: skip
@click.option("--tenant", default=None, help="Only this tenant's events.")
@click.option("--event", "event_type", default=None, metavar="NAME",
              help="Only this event type, e.g. tool_call_decided (docs/stream.md).")  # fmt: skip
@click.option("--from-start", is_flag=True, help="Replay the stream from its first message.")
@click.option("--json", "as_json", is_flag=True, help="Print each document as one JSON line.")
@click.option("--count", type=click.IntRange(1), default=None, help="Exit after N events.")
def tail(
    nats_url: str | None,
    data_dir: Path | None,
    tenant: str | None,
    event_type: str | None,
    from_start: bool,
    as_json: bool,
    count: int | None,
) -> None:
    """Print events as they arrive (an ephemeral ordered consumer; Ctrl-C to stop)."""
    from commands.reactions.relay.public_events import SPECS, SUBJECT_VERSION, subject_token

    if event_type is not None and event_type not in SPECS:
        raise click.BadParameter(f"unknown event {event_type!r}; known: {', '.join(SPECS)}")
    settings = load_settings(data_dir=data_dir)
    url = nats_url or resolve_nats(settings)
    tenant_token = "*" if tenant is None else subject_token(tenant)
    subject = f"{settings.nats_subject_prefix}.{tenant_token}.{event_type or '*'}.{SUBJECT_VERSION}"
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_tail(url, settings.nats_stream, subject, from_start, as_json, count))


async def _tail(
    url: str, stream_name: str, subject: str, from_start: bool, as_json: bool, count: int | None
) -> None:
    import nats.errors
    from nats.js.api import DeliverPolicy
    from nats.js.errors import NotFoundError

    from infra.nats import connect

    client = await connect(url, name="observatory-tail", reconnect=True)
    try:
        try:
            sub = await client.jetstream().subscribe(
                subject, stream=stream_name, ordered_consumer=True,
                deliver_policy=DeliverPolicy.ALL if from_start else DeliverPolicy.NEW,
            )  # fmt: skip
        except NotFoundError:
            raise click.ClickException(
                f"no stream {stream_name} at {url}: is `observatory relay` running?"
            ) from None
        seen = 0
        while count is None or seen < count:
            try:
                message = await sub.next_msg(timeout=1.0)
            except nats.errors.TimeoutError:
                continue
            seen += 1
            document = json.loads(message.data)
            # One line per event: payloads keep the client's own layout, newlines included.
            click.echo(json.dumps(document, ensure_ascii=False) if as_json else _line(document))
    finally:
        await client.close()


def _line(document: dict[str, Any]) -> str:
    data = document.get("data", {})
    detail = " ".join(
        f"{key}={data[key]}"
        for key in ("hook", "tool_name", "decision", "rule_id", "action", "mode")
        if data.get(key) is not None
    )
    session = document.get("session_id") or "-"
    return (f"{document['position']:>8}  {document['at']}  {document['tenant']}  "
            f"{document['type']}  {session}  {detail}").rstrip()  # fmt: skip
