"""One reader of the event log per process, for every projection in it.

Every projection of a process reads the same stretch of the log at about the same time. Each
used to select and decode it for itself (eventsourcing's ``select_notifications``: text
format, a dict per row, a ``Notification`` per row; then the mapper), so a process of six
projections read and decoded every event six times. This reader fetches a stretch once
(one binary-format query: the ``bytea`` state arrives as the bytes stored, no hex escaping)
decodes it once, and keeps the decoded stretch for the others.

Invariant: a cached stretch ``(after, end]`` holds every event of the log in that range.
The writers insert under an ``EXCLUSIVE`` table lock, so commit order equals position order:
once a position is visible, no lower position can appear later (a gap is a rolled-back insert,
for good). Positions are the readers' own business: each projection asks for the events after
its own position and moves it, with its view, exactly once (``workers/projector.py``); a
projection behind the others reads from where it stands, and the stretch it fetched serves
any other that comes the same way.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from commands.store.application import EventStoreApplication

Positioned = tuple[int, object]
"""(global position, decoded domain event)"""


@dataclass(frozen=True)
class _Stretch:
    after: int
    end: int
    positions: list[int]
    events: list[Positioned]

    def holds(self, position: int) -> bool:
        return self.after <= position < self.end

    def following(self, position: int, limit: int) -> list[Positioned]:
        first = bisect.bisect_right(self.positions, position)
        return self.events[first : first + limit]


class _Ahead:
    """A fetch of the stretch after ``after`` under way on its own thread."""

    def __init__(self, after: int, limit: int, fetch: Callable[[int, int], list[Positioned]]):
        self.after, self.limit = after, limit
        self._fetch = fetch
        self._done = threading.Event()
        self._events: list[Positioned] = []
        self._error: BaseException | None = None
        threading.Thread(target=self._run, name="log-read-ahead", daemon=True).start()

    def _run(self) -> None:
        try:
            self._events = self._fetch(self.after, self.limit)
        except BaseException as error:  # noqa: BLE001 - handed to the reader that waits
            self._error = error
        finally:
            self._done.set()

    def result(self) -> list[Positioned]:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._events


class LogReader:
    """Reads, decodes and shares stretches of the log (thread-safe; one per store object).

    ``keep``: about how many decoded events stay cached (the oldest stretches go first).
    When a fetch comes back full (a backlog: a rebuild, a runner catching up), the next
    stretch is fetched on another thread while the runners apply this one, so reading
    overlaps with the views' writes.
    """

    def __init__(self, store: EventStoreApplication, *, keep: int = 20_000) -> None:
        self._store = store
        self._mapper = store.mapper
        self._keep = keep
        self._stretches: deque[_Stretch] = deque()
        self._cached = 0
        self._lock = threading.Lock()
        self._head = (0.0, 0)
        self._ahead: _Ahead | None = None
        self._select: Any = None
        recorder = store.recorder
        self._postgres = recorder if isinstance(recorder, PostgresApplicationRecorder) else None
        if isinstance(recorder, PostgresApplicationRecorder):
            self._select = SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state"
                " FROM {schema}.{table} WHERE notification_id > %s"
                " ORDER BY notification_id LIMIT %s"
            ).format(
                schema=Identifier(recorder.datastore.schema),
                table=Identifier(recorder.events_table_name),
            )

    def read(self, after: int, limit: int) -> list[Positioned]:
        """Up to ``limit`` decoded events after position ``after``, in order ([] = none yet)."""
        with self._lock:
            for stretch in reversed(self._stretches):
                if stretch.holds(after):
                    return stretch.following(after, limit)
            ahead, self._ahead = self._ahead, None
            if ahead is not None and ahead.after == after and ahead.limit >= limit:
                events = ahead.result()[:limit]
            else:
                events = self._fetch(after, limit)
            if events:
                self._remember(_Stretch(after, events[-1][0], [p for p, _ in events], events))
                if len(events) == limit:
                    self._ahead = _Ahead(events[-1][0], limit, self._fetch)
            return events

    def head(self, max_age: float = 0.0) -> int:
        """The highest position in the log (a figure at most ``max_age`` seconds old)."""
        at, head = self._head
        now = time.monotonic()
        if max_age <= 0 or now - at > max_age:
            head = int(self._store.recorder.max_notification_id() or 0)
            self._head = (now, head)
        return head

    def forget(self) -> None:
        """Drops every cached stretch (the next reads fetch again)."""
        with self._lock:
            self._stretches.clear()
            self._cached = 0
            self._ahead = None

    def _remember(self, stretch: _Stretch) -> None:
        self._stretches.append(stretch)
        self._cached += len(stretch.events)
        while self._cached > self._keep and len(self._stretches) > 1:
            self._cached -= len(self._stretches.popleft().events)

    def _fetch(self, after: int, limit: int) -> list[Positioned]:
        recorder = self._postgres
        if recorder is None:  # another recorder (in memory): its own select
            found = self._store.recorder.select_notifications(
                start=after, limit=limit, inclusive_of_start=False
            )
            return [(n.id, self._mapper.to_domain_event(n)) for n in found]
        with (
            recorder.datastore.get_connection() as conn,
            conn.cursor(binary=True, row_factory=tuple_row) as cursor,
        ):
            rows = cursor.execute(self._select, (after, limit), prepare=True).fetchall()
        decode = self._mapper.to_domain_event
        return [
            (row[0], decode(Notification(
                id=row[0], originator_id=row[1], originator_version=row[2], topic=row[3],
                state=row[4],
            )))
            for row in rows
        ]  # fmt: skip


def events_channel(store: EventStoreApplication) -> str:
    """The channel eventsourcing's recorder NOTIFYs on every insert."""
    return str(getattr(store.recorder, "channel_name", "observatory_events"))
