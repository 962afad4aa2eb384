"""Group commit: many concurrent requests, one transaction.

Requests put their command on a queue and wait. One writer task takes everything queued (up
to ``max_batch`` records: a hook counts one, a telemetry export one per record), hands it
to the recorder (one transaction), and resolves each request's future once the transaction
has committed. The recorder is either the Ingestor itself, run
in a worker thread (``in_thread``), or a client of the host's ingest writer process. While a
transaction runs, new requests queue up, so batches grow with load by themselves: one event
per transaction when idle, hundreds under load. ``linger`` optionally waits a little to grow
small batches.

A full queue refuses new work at once (the caller answers 503 with Retry-After) instead of
letting latency grow without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from commands.ingest.messages import Command, Receipt

RecordBatch = Callable[[Sequence[Command]], Awaitable[list[Receipt]]]
BatchObserver = Callable[[int, float], None]
"""Called after each committed batch with its size and its commit time in seconds."""


def in_thread(
    record: Callable[[Sequence[Command]], list[Receipt]],
) -> tuple[RecordBatch, Callable[[], None]]:
    """Runs a blocking recorder (the Ingestor) in one dedicated thread; returns the async
    recorder and a function that shuts the thread down."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="group-commit")

    async def run(commands: Sequence[Command]) -> list[Receipt]:
        return await asyncio.get_running_loop().run_in_executor(executor, record, commands)

    return run, lambda: executor.shutdown(wait=True)


class IngestOverloadedError(Exception):
    """The writer's queue is full; retry shortly."""


class IngestStoppedError(Exception):
    """The writer is shutting down and takes no new work."""


_Item = tuple[Command, "asyncio.Future[Receipt]"]


class GroupCommitter:
    def __init__(
        self,
        record: RecordBatch,
        *,
        max_batch: int = 500,
        max_queue: int = 20_000,
        linger: float = 0.0,
        observe: BatchObserver | None = None,
    ) -> None:
        self._record = record
        self._max_batch = max_batch
        self._linger = linger
        self._observe = observe
        self._queue: asyncio.Queue[_Item] = asyncio.Queue(maxsize=max_queue)
        self._task: asyncio.Task[None] | None = None
        self._accepting = False

    async def start(self) -> None:
        self._accepting = True
        self._task = asyncio.create_task(self._run(), name="group-commit")

    async def stop(self) -> None:
        """Stops taking work, commits what is queued, then returns."""
        self._accepting = False
        if self._task is not None:
            await self._queue.join()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    async def submit(self, command: Command) -> Receipt:
        """Returns once the command's events are committed (or raises why not)."""
        return await self.enqueue(command)

    def enqueue(self, command: Command) -> asyncio.Future[Receipt]:
        """Queues a command now; the future resolves once it is committed."""
        if not self._accepting:
            raise IngestStoppedError("the writer is shutting down")
        future: asyncio.Future[Receipt] = asyncio.get_running_loop().create_future()
        try:
            self._queue.put_nowait((command, future))
        except asyncio.QueueFull:
            raise IngestOverloadedError("ingest queue is full") from None
        return future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            if self._linger and self._queue.qsize() < self._max_batch:
                await asyncio.sleep(self._linger)
            size = batch[0][0].records  # records, not requests: an OTLP export holds many
            while size < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
                size += batch[-1][0].records
            commands = [command for command, _ in batch]
            started = time.perf_counter()
            try:
                receipts = await self._record(commands)
            except Exception as error:  # noqa: BLE001 - every waiter must hear why
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
            else:
                if self._observe is not None:
                    self._observe(len(batch), time.perf_counter() - started)
                for (_, future), receipt in zip(batch, receipts, strict=True):
                    if not future.done():
                        future.set_result(receipt)
            finally:
                for _ in batch:
                    self._queue.task_done()
