"""The client side of the host's ingest writer: an API worker's batches, recorded remotely.

Several API worker processes on one host share one writer process, so their requests land in
the same transactions (bigger batches, one writer per host, no races between workers).
Each worker's group committer sends one batch at a time over a Unix socket and waits for the
receipts. If the writer cannot be reached the batch fails as a whole (callers answer 503);
the next batch reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from commands.ingest.group_commit import IngestStoppedError
from commands.ingest.messages import Command, Receipt
from commands.ingest.service import IngestConflictError
from commands.ingest.wire import (
    WireError,
    decode_receipts,
    encode_commands,
    read_frame,
    write_frame,
)


class WriterUnavailableError(IngestStoppedError):
    """The host's ingest writer did not answer; nothing is known to be recorded."""


class IngestWriterClient:
    def __init__(self, socket_path: str, *, timeout: float = 30.0) -> None:
        self._path = socket_path
        self._timeout = timeout
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._next_id = 0

    async def record(self, commands: Sequence[Command]) -> list[Receipt]:
        self._next_id += 1
        try:
            reader, writer = await self._connect()
            write_frame(writer, encode_commands(self._next_id, commands))
            await writer.drain()
            frame = await asyncio.wait_for(read_frame(reader), self._timeout)
            answer = None if frame is None else decode_receipts(frame)
        except (OSError, WireError, TimeoutError) as error:
            await self.close()
            raise WriterUnavailableError(f"ingest writer unavailable: {error}") from None
        if answer is None:
            await self.close()
            raise WriterUnavailableError("ingest writer closed the connection")
        request_id, outcomes = answer
        if request_id != self._next_id or len(outcomes) != len(commands):
            await self.close()
            raise WriterUnavailableError("ingest writer answered out of order")
        receipts: list[Receipt] = []
        for outcome in outcomes:
            if not isinstance(outcome, Receipt):
                name, message = outcome
                error_type = (
                    IngestConflictError if name == "IngestConflictError" else WriterUnavailableError
                )
                raise error_type(message)
            receipts.append(outcome)
        return receipts

    async def ping(self) -> None:
        await self._connect()

    async def close(self) -> None:
        if self._streams is not None:
            _, writer = self._streams
            self._streams = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._streams is None:
            self._streams = await asyncio.open_unix_connection(self._path)
        return self._streams
