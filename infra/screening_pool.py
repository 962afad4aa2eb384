"""Screening off the event loop: every request gets a deadline, large bodies a worker process.

Python's ``re`` holds the GIL for a whole search, so a thread would still stop the event loop
for as long as one search over a large body takes (tens of milliseconds at 2 MiB, and every
other request of the process waits); a worker process shares no GIL with the loop. A round
trip to it costs more than screening a typical hook, so a body up to ``inline_chars`` is
screened on the loop first, under a short loop budget (``inline_ms``): one that does not
finish in it, and every larger body, goes to a worker with what is left of the request's
budget.

The deadline is fixed when the request asks (``time.monotonic``: one clock for every process
of a host), so a body queued behind another cannot wait past it: the worker screens what it
can by then and marks the rest unscreened. Should no answer come by the deadline plus
``grace`` (a worker killed, a broken pool), the request is screened with a spent budget on
the loop — every value sealed and marked, a walk without a search — and the late call is
cancelled, which stops its worker and starts a fresh one. Screening never refuses a hook.

The pool is pebble's rather than ``concurrent.futures``': stopping a worker that overran is
the one thing the standard pool cannot do safely. Killing its workers could catch one in the
middle of writing its answer; the executor's manager thread then waited forever on the rest
of that message and held the interpreter at exit (a test run that passed hung until CI's time
limit). Pebble stops a worker only while it holds the result channel's lock.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from collections.abc import Callable
from typing import Any, TypeVar

from pebble import ProcessFuture, ProcessPool

from domain.privacy.budget import Budget, ScreeningBudgetExceededError
from domain.privacy.detectors import redact
from domain.privacy.redaction import UNSCREENED_MARKER, Memo
from domain.privacy.screening import Screened, screen_hook
from domain.sessions.ruling import Ruling
from infra.metrics import SCREENING

log = logging.getLogger(__name__)

T = TypeVar("T")

INLINE_CHARS = 16 * 1024
"""Bodies up to this size are tried on the loop first (typical hooks are well under it)."""
INLINE_MS = 2.0
"""The most loop time one inline attempt may take before the body goes to a worker."""
GRACE_SECONDS = 1.0
"""How long past its deadline a worker's answer is awaited before the loop seals it all (a
worker overruns by at most one regular-expression search: well under this at 2 MiB)."""


def _screen_hook_until(
    deadline: float, payload: dict[str, Any], payload_text: str | None,
    context: dict[str, Any] | None, ruling: Ruling | None,
) -> Screened:  # fmt: skip
    """In a worker: screens until ``deadline`` (monotonic, shared with the parent)."""
    return screen_hook(payload, payload_text, context, ruling, Budget(time.monotonic, deadline))


def _screen_many_until(
    deadline: float, items: list[tuple[dict[str, Any], str | None]]
) -> list[Screened]:
    """In a worker: screens a batch (one memo for all) until ``deadline``."""
    return _screen_many(items, Budget(time.monotonic, deadline))


def _screen_many(items: list[tuple[dict[str, Any], str | None]], budget: Budget) -> list[Screened]:
    memo: Memo = {}  # a batch repeats its standard attributes: scan each string once
    return [screen_hook(payload, text, None, None, budget, memo) for payload, text in items]


def _redact_text_until(deadline: float, text: str) -> str:
    try:
        return redact(text, Budget(time.monotonic, deadline))[0]
    except ScreeningBudgetExceededError:
        return UNSCREENED_MARKER


def _ready() -> bool:
    return True


class ScreeningPool:
    """Screens hooks and quarantined bodies within ``budget_ms`` each, off the event loop."""

    def __init__(
        self,
        budget_ms: float,
        *,
        workers: int = 1,
        inline_chars: int = INLINE_CHARS,
        inline_ms: float = INLINE_MS,
        grace_seconds: float = GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget = budget_ms / 1000
        self.workers = workers
        self.inline_chars = inline_chars
        self.inline = inline_ms / 1000
        self.grace = grace_seconds
        self.clock = clock
        self._pool: ProcessPool | None = None

    async def start(self) -> None:
        """Starts the workers and waits until they answer, so the first large body does not
        spend its budget on a worker's start (a fresh interpreter importing the
        detectors once)."""
        await asyncio.wrap_future(self._executor().schedule(_ready))

    def close(self) -> None:
        """Stops the workers (work still queued is dropped: its requests are gone)."""
        if self._pool is not None:
            self._pool.stop()
            self._pool.join(timeout=self.grace + 5)
            self._pool = None

    async def screen_hook(
        self, payload: dict[str, Any], payload_text: str | None,
        context: dict[str, Any] | None, ruling: Ruling | None, *, size: int,
        memo: Memo | None = None,
    ) -> Screened:  # fmt: skip
        """``size``: the body's length, which decides whether to try on the loop first;
        ``memo``: shared by payloads screened together (on the loop only)."""
        deadline = self.clock() + self.budget
        if size <= self.inline_chars:
            inline = Budget(self.clock, min(deadline, self.clock() + self.inline))
            screened = screen_hook(payload, payload_text, context, ruling, inline, memo)
            if not inline.exceeded or self.clock() >= deadline:
                SCREENING.labels("inline", _outcome(inline.exceeded)).inc()
                return screened
        return await self._offload(
            _screen_hook_until, (deadline, payload, payload_text, context, ruling), deadline,
            lambda: screen_hook(payload, payload_text, context, ruling, Budget.spent()),
        )  # fmt: skip

    async def screen_many(self, items: list[tuple[dict[str, Any], str | None]]) -> list[Screened]:
        """A batch of payloads (an OTLP export's records) with one budget for the whole
        batch: on the loop when it is small, else in one worker call (one round trip, not
        one per record), so a 1,000-record export never holds the event loop."""
        deadline = self.clock() + self.budget
        if sum(len(text or "") for _, text in items) <= self.inline_chars:
            inline = Budget(self.clock, min(deadline, self.clock() + self.inline))
            screened = _screen_many(items, inline)
            if not inline.exceeded or self.clock() >= deadline:
                SCREENING.labels("inline", _outcome(inline.exceeded)).inc()
                return screened
        return await self._offload(
            _screen_many_until, (deadline, items), deadline,
            lambda: _screen_many(items, Budget.spent()),
        )  # fmt: skip

    async def redact_text(self, text: str) -> str:
        """The text redacted, or ``[REDACTED:unscreened]`` if the budget runs out first."""
        deadline = self.clock() + self.budget
        if len(text) <= self.inline_chars:
            inline = Budget(self.clock, min(deadline, self.clock() + self.inline))
            try:
                return redact(text, inline)[0]
            except ScreeningBudgetExceededError:
                if self.clock() >= deadline:
                    return UNSCREENED_MARKER
        return await self._offload(
            _redact_text_until, (deadline, text), deadline, lambda: UNSCREENED_MARKER
        )

    async def _offload(
        self, work: Callable[..., T], args: tuple[Any, ...], deadline: float,
        fallback: Callable[[], T],
    ) -> T:  # fmt: skip
        pool = self._executor()
        wait = max(deadline - self.clock(), 0.0) + self.grace
        future: ProcessFuture[T] | None = None
        try:
            # pebble's timeout stops the worker if the call runs that long once started; the
            # wait here also covers time spent queued behind another body
            future = pool.schedule(work, args=args, timeout=wait)
            result = await asyncio.wait_for(asyncio.wrap_future(future), wait)
        except asyncio.CancelledError:
            if future is None or not future.cancelled() or _cancelling():
                raise  # the request itself was cancelled (its client went away)
            return self._fall_back(pool, asyncio.CancelledError(), fallback)
        except Exception as error:  # noqa: BLE001 - whatever went wrong, seal it all
            return self._fall_back(pool, error, fallback)
        finally:
            if future is not None:
                future.cancel()  # a call no longer awaited: pebble stops its worker, if running
        marked = _unscreened(result)
        SCREENING.labels("worker", _outcome(marked)).inc()
        return result

    def _executor(self) -> ProcessPool:
        if self._pool is None or not self._pool.active:
            # spawn: fresh interpreters, never a fork of this threaded process (which can
            # deadlock the child). Not forkserver: its server outlives a killed parent, and its
            # socket folder (pymp-*) was left behind in $TMPDIR by every API worker.
            self._pool = ProcessPool(self.workers, context=multiprocessing.get_context("spawn"))
        return self._pool

    def _fall_back(self, pool: ProcessPool, error: BaseException, fallback: Callable[[], T]) -> T:
        log.warning("screening worker failed (%r): every value of this body is sealed", error)
        SCREENING.labels("worker", "fallback").inc()
        if self._pool is pool and not pool.active:  # broken: the next body starts a new one
            self._pool = None
            pool.stop()
        return fallback()


def _cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _unscreened(result: object) -> bool:
    if isinstance(result, list):
        return any(_unscreened(item) for item in result)
    return result.unscreened if isinstance(result, Screened) else result == UNSCREENED_MARKER


def _outcome(unscreened: bool) -> str:
    return "unscreened" if unscreened else "complete"
