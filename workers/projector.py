"""Projector runners: read the event log in order, apply batches to a view, exactly once.

A runner takes up to ``batch_size`` decoded events after the view's position from the
process's ``LogReader`` (which reads and decodes each stretch of the log once for every
runner of the process), folds them into changes and asks the view to write changes and the
new position in one transaction. The view refuses a batch that does not start at its stored
position, so a second runner (a replica, or a rebuild) can never apply an event twice.

Why not eventsourcing's ``ProjectionRunner``: it commits one event per transaction (about
1,400 transactions/s here), far below the ingest rate; batching is what keeps lag low.

A batch that fails because of one event's data (a *poison* event: ``workers.parking``) is
split until that event stands alone; the event is parked (recorded, skipped, alerted) and the
runner goes on, so one bad event never stops a read model.

Only one runner per projection works at a time: it holds a PostgreSQL advisory lock, and the
others stand by and take over when its connection goes. LISTEN/NOTIFY on the event table's
channel wakes an idle runner at once; a timed poll is the fallback.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import psycopg
from eventsourcing.persistence import OperationalError

from commands.reactions.runner import Follows
from commands.store.application import EventStoreApplication
from commands.store.log_reader import LogReader, events_channel
from infra import tracking
from infra.database import connect
from infra.leadership import Leadership, Wakeup
from infra.metrics import PROJECTION_LAG_EVENTS, PROJECTION_LAG_SECONDS, PROJECTION_POSITION
from infra.tracking import StalePositionError
from workers.parking import ParkedEvent, Parking, is_poison
from workers.parking import clear as clear_parked

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called with (position reached, target position)."""

HEAD_MAX_AGE = 0.05
"""How old the log's head may be for the lag gauge (the runners of a process share one)."""


class CanProject(Protocol):
    def changes(self, events: Any) -> Any: ...


class CanStoreView(Protocol):
    def position(self) -> int: ...
    def apply(self, changes: Any, start: int, end: int) -> None: ...
    def reset(self) -> None: ...


@dataclass
class RunnerStats:
    batches: int = 0
    events: int = 0


class ProjectorRunner:
    def __init__(
        self,
        name: str,
        store: EventStoreApplication,
        projection: CanProject,
        view: CanStoreView,
        *,
        batch_size: int = 1_000,
        reader: LogReader | None = None,
        parking: tuple[Parking, psycopg.Connection[Any]] | None = None,
    ) -> None:
        """``reader``: the process's log reader, shared by its runners (default: one of its
        own). ``parking``: where poison events go (with the PostgreSQL connection of the view,
        or of the runner for views kept elsewhere); without it a poison event stops the
        runner, as any other error."""
        self.name = name
        self._parking = parking
        self._reader = reader or LogReader(store)
        self._projection = projection
        self._view = view
        self._batch_size = batch_size
        self._position: int | None = None
        self.stats = RunnerStats()

    @property
    def position(self) -> int:
        if self._position is None:
            self._position = self._view.position()
        return self._position

    def head(self, max_age: float = 0.0) -> int:
        """The log's highest position (at most ``max_age`` seconds old)."""
        return self._reader.head(max_age)

    def run_once(self) -> int:
        """Applies the next batch; returns how many events it covered (0 = caught up)."""
        start = self.position
        events = self._reader.read(start, self._batch_size)
        if not events:
            # Idle: forget the cached position so a reset by another process is noticed.
            self._position = None
            return 0
        end = events[-1][0]
        try:
            self._apply(events, start)
        except StalePositionError:
            log.info("%s: another runner moved on; re-reading the position", self.name)
            self._position = None
            return 0
        self._position = end
        self._observe(events, end)
        return len(events)

    def catch_up(self, progress: Progress | None = None, target: int | None = None) -> int:
        """Runs batches until the position reaches ``target`` (default: the current head)."""
        goal = self.head() if target is None else target
        while self.position < goal:
            # Positions can have gaps (rolled-back inserts); stop when nothing is left.
            if self.run_once() == 0 and self.head() <= self.position:
                break
            if progress is not None:
                progress(self.position, goal)
        return self.position

    def reset(self) -> None:
        """Empties the view and forgets its parked events; whichever runner leads replays
        it from the start (parking again whatever still fails)."""
        self._view.reset()
        if self._parking is not None:
            clear_parked(self._parking[1], self.name)
        self._position = 0

    def stored_position(self) -> int:
        """The position as stored now (another runner may be moving it)."""
        return self._view.position()

    def rebuild(self, progress: Progress | None = None) -> int:
        """Empties the view and replays the whole log into it."""
        self.reset()
        return self.catch_up(progress)

    def _apply(self, events: list[tuple[int, Any]], start: int) -> None:
        """Applies ``events`` (the view stands at ``start``); a poison event is parked after
        splitting the batch until it stands alone (log2 of the batch size extra attempts)."""
        try:
            changes = self._projection.changes(events)
        except Exception as error:  # noqa: BLE001 - pure code: the same events fail again
            failure: Exception = error
        else:
            try:
                self._view.apply(changes, start, events[-1][0])
            except StalePositionError:
                raise
            except Exception as error:
                if self._parking is None or not is_poison(error):
                    raise
                failure = error
            else:
                if self._parking is not None:
                    self._parking[0].applied()
                return
        if self._parking is None:
            raise failure
        if len(events) > 1:
            middle = len(events) // 2
            self._apply(events[:middle], start)
            self._apply(events[middle:], events[middle - 1][0])
            return
        lot, conn = self._parking
        position, event = events[0]
        lot.park(
            conn, ParkedEvent.of(self.name, position, event, failure),
            lambda: self._view.apply(self._projection.changes([]), start, position),
        )  # fmt: skip

    def _observe(self, events: list[tuple[int, Any]], end: int) -> None:
        self.stats.batches += 1
        self.stats.events += len(events)
        PROJECTION_POSITION.labels(self.name).set(end)
        now = datetime.now(UTC)
        _, last = events[-1]
        arrived = getattr(last, "timestamp", None)
        if isinstance(arrived, datetime):
            PROJECTION_LAG_SECONDS.labels(self.name).observe(
                max(0.0, (now - arrived).total_seconds())
            )


ViewFactory = Callable[[psycopg.Connection[Any]], CanStoreView]


class ProjectionWorker:
    """Keeps one projection (or policy) current until stopped; survives database restarts.

    A ``Reaction`` (``commands.reactions.runner``) that follows the log: how every policy runs.

    Each (re)connection builds a fresh view connection, leadership lock and LISTEN
    connection; the runner resumes from the position stored with the view.
    """

    def __init__(
        self,
        name: str,
        store: EventStoreApplication,
        projection: CanProject,
        view_factory: ViewFactory,
        *,
        url: str,
        schema: str,
        batch_size: int = 1_000,
        poll_seconds: float = 0.5,
        reader: LogReader | None = None,
        mirror: bool = False,
        parking: Parking | None = None,
    ) -> None:
        self.name = name
        self._parking = parking
        self._reader = reader or LogReader(store)
        self._mirror = mirror
        self._store = store
        self._projection = projection
        self._view_factory = view_factory
        self._url = url
        self._schema = schema
        self._batch_size = batch_size
        self._poll = poll_seconds
        self.runner: ProjectorRunner | None = None

    follows: Follows = "log"

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            conn: psycopg.Connection[Any] | None = None
            wakeup: Wakeup | None = None
            view: Any = None
            try:
                conn = connect(self._url, self._schema, autocommit=True)
                wakeup = Wakeup(self._url, events_channel(self._store))
                view = self._view_factory(conn)
                self.runner = ProjectorRunner(
                    self.name, self._store, self._projection, view,
                    batch_size=self._batch_size, reader=self._reader,
                    parking=(self._parking, conn) if self._parking is not None else None,
                )  # fmt: skip
                self._lead_and_run(self.runner, Leadership(conn, self._lock_key), wakeup, stop)
            except (psycopg.OperationalError, OperationalError, ConnectionError):
                log.warning("%s: a store is unavailable; reconnecting", self.name, exc_info=True)
                stop.wait(min(5.0, self._poll * 4))
            except Exception:
                log.exception("%s: batch failed; retrying (the position did not move)", self.name)
                stop.wait(min(5.0, self._poll * 4))
            finally:
                for closable in (view, wakeup, conn):
                    if closable is not None:
                        with contextlib.suppress(Exception):
                            getattr(closable, "close", lambda: None)()

    @property
    def _lock_key(self) -> str:
        return f"observatory:projection:{self._schema}:{self.name}"

    def _lead_and_run(
        self,
        runner: ProjectorRunner,
        leadership: Leadership,
        wakeup: Wakeup,
        stop: threading.Event,
    ) -> None:
        while not stop.is_set() and not leadership.try_acquire():
            wakeup.wait(self._poll * 4)
        if stop.is_set():
            return
        log.info("%s: leading from position %d", runner.name, runner.position)
        mirrored = -1
        while not stop.is_set():
            applied = runner.run_once()
            lag = runner.head(HEAD_MAX_AGE) - runner.position
            PROJECTION_LAG_EVENTS.labels(runner.name).set(max(0, lag))
            if self._mirror and runner.position != mirrored:
                mirrored = runner.position
                tracking.mirror(leadership.conn, runner.name, mirrored)
            if applied == 0:
                wakeup.wait(self._poll)
