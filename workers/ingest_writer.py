"""The host's ingest writer: one process that commits for every API worker on the host.

``observatory serve --workers N`` starts it beside the N HTTP workers. Each worker sends its
batches over a Unix socket; the writer merges what arrives from all of them into one group
commit, so batches are as large as the host's concurrency, the event loop of each HTTP
worker never shares its GIL with database work, and workers of one host never race each
other for the same session stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

from commands.ingest.group_commit import GroupCommitter, in_thread
from commands.ingest.messages import Receipt
from commands.ingest.service import Ingestor
from commands.ingest.wire import (
    WireError,
    decode_commands,
    encode_receipts,
    read_frame,
    write_frame,
)
from infra.database import eventsourcing_env
from infra.settings import Settings
from workers.bootstrap.writer import group_committer

log = logging.getLogger(__name__)

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def run_writer(
    settings: Settings,
    url: str,
    socket_path: str,
    stop: asyncio.Event | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Serves the socket until ``stop`` is set (default: SIGTERM/SIGINT), then commits
    what is queued and exits. ``ready`` is set once the socket accepts connections."""
    env = eventsourcing_env(url, settings.database_schema, settings.pool_size)
    ingestor = await asyncio.to_thread(Ingestor, env)
    record, stop_thread = in_thread(ingestor.record)
    committer = group_committer(settings, record)
    await committer.start()
    connections: set[asyncio.StreamWriter] = set()
    path = Path(socket_path)
    await asyncio.to_thread(path.unlink, missing_ok=True)
    server = await asyncio.start_unix_server(_handler(committer, connections), path=socket_path)
    os.chmod(socket_path, 0o600)
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    log.info("ingest writer listening on %s", socket_path)
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        server.close()
        await committer.stop()
        for connection in list(connections):
            connection.close()
        await server.wait_closed()
        stop_thread()
        ingestor.close()
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(path.unlink)


def _handler(committer: GroupCommitter, connections: set[asyncio.StreamWriter]) -> Handler:
    """One client connection: frames of commands in, frames of receipts out, in order."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.add(writer)
        try:
            while (frame := await read_frame(reader)) is not None:
                request_id, commands = decode_commands(frame)
                futures: list[asyncio.Future[Receipt]] = []
                for command in commands:
                    try:
                        futures.append(committer.enqueue(command))
                    except Exception as error:  # noqa: BLE001 - reported per command
                        failed: asyncio.Future[Receipt] = asyncio.get_running_loop().create_future()
                        failed.set_exception(error)
                        futures.append(failed)
                outcomes = await asyncio.gather(*futures, return_exceptions=True)
                write_frame(writer, encode_receipts(request_id, outcomes))
                await writer.drain()
        except (WireError, ConnectionError) as error:
            log.warning("ingest writer: dropping a client connection: %s", error)
        finally:
            connections.discard(writer)
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    return handle
