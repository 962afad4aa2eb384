"""The ingest side's writer: the group commit, and the host's ingest writer process.

Imports no web stack (Litestar, strawberry, uvicorn, ``read_api``, ``write_api``): the
ingest writer process (``observatory ingest-writer``) loads this module and
``workers.ingest_writer`` only, and the API loads it for its own group commit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from commands.ingest.group_commit import GroupCommitter, RecordBatch, in_thread
from commands.ingest.remote import IngestWriterClient
from commands.ingest.service import Ingestor
from infra.database import eventsourcing_env
from infra.metrics import observe_batch
from infra.settings import Settings


def group_committer(settings: Settings, record: RecordBatch) -> GroupCommitter:
    """The group-commit writer configured from settings (API workers and the host writer)."""
    return GroupCommitter(
        record,
        max_batch=settings.ingest_max_batch,
        max_queue=settings.ingest_max_queue,
        linger=settings.ingest_linger_ms / 1000,
        observe=observe_batch,
    )


@contextlib.asynccontextmanager
async def ingest_recorder(settings: Settings, database_url: str) -> AsyncIterator[RecordBatch]:
    """What records the API's batches: the host's ingest writer when one runs
    (``settings.ingest_socket``, set by ``serve --workers N``), else an in-process
    ``Ingestor`` on its own thread."""
    if settings.ingest_socket:
        client = IngestWriterClient(settings.ingest_socket)
        try:
            yield client.record
        finally:
            await client.close()
        return
    env = eventsourcing_env(database_url, settings.database_schema, settings.pool_size)
    ingestor = await asyncio.to_thread(Ingestor, env)
    record, stop_thread = in_thread(ingestor.record)
    try:
        yield record
    finally:
        stop_thread()
        ingestor.close()


def run_ingest_writer(settings: Settings, database_url: str, socket_path: str) -> None:
    """The ``ingest-writer`` role: serves ``socket_path`` until SIGTERM/SIGINT."""
    from workers.ingest_writer import run_writer

    asyncio.run(run_writer(settings, database_url, socket_path))
