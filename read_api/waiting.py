"""Read-your-writes: wait until a read model has applied a given global position.

Projectors ``NOTIFY observatory_projections, '<name>:<position>'`` when they commit; one LISTEN
connection per process wakes every waiting request. A short timed re-check covers a lost
notification or a dropped LISTEN connection, so a wait never depends on NOTIFY alone.

A position beyond the end of the event log was never handed to any client (every write
answers with a position already recorded): it is refused at once instead of being waited
for until the timeout (issue 10: ``minPosition: 9007199254740993`` held a request for 5 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import psycopg

log = logging.getLogger(__name__)

CHANNEL = "observatory_projections"


class PositionNotReachedError(Exception):
    def __init__(self, wanted: int, current: int) -> None:
        self.wanted, self.current = wanted, current
        super().__init__(
            f"the read model is at position {current}, not yet at {wanted}; retry shortly"
        )


class PositionNotRecordedError(PositionNotReachedError):
    def __init__(self, wanted: int, current: int, recorded: int) -> None:
        super().__init__(wanted, current)
        self.recorded = recorded
        self.args = (
            f"position {wanted} has not been recorded (the event log ends at {recorded}): pass "
            "a position a write answered with",
        )


class PositionWaiter:
    def __init__(
        self,
        read_position: Callable[[str], Awaitable[int]],
        listen: Callable[[], Awaitable[psycopg.AsyncConnection[object]]] | None = None,
        *,
        recheck_seconds: float = 0.25,
        read_recorded: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        self._read_position = read_position
        self._read_recorded = read_recorded
        self._listen = listen
        self._recheck = recheck_seconds
        self._moved = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._listen is not None:
            listening = self._listen_forever(self._listen)
            self._task = asyncio.create_task(listening, name="position-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def wait_for(self, name: str, position: int, within_seconds: float) -> int:
        """Returns projection ``name``'s position once it is at least ``position``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_seconds
        while True:
            moved = self._moved
            current = await self._read_position(name)
            if current >= position:
                return current
            if self._read_recorded is not None and loop.time() < deadline:
                recorded = await self._read_recorded()
                if position > recorded:
                    raise PositionNotRecordedError(position, current, recorded)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise PositionNotReachedError(position, current)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(moved.wait(), min(remaining, self._recheck))

    async def _listen_forever(
        self, listen: Callable[[], Awaitable[psycopg.AsyncConnection[object]]]
    ) -> None:
        while True:
            try:
                conn = await listen()
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    async for _ in conn.notifies():
                        moved, self._moved = self._moved, asyncio.Event()
                        moved.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("position listener lost its connection; reconnecting", exc_info=True)
                await asyncio.sleep(1.0)
