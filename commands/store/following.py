"""Following a few kinds of events from the log, in memory, in every API process.

Some state must be answered in microseconds on the hot path (guardrail policies, API keys), so
each API process keeps it in memory and follows the log: it reads only the topics it cares
about, from its position up to the head it saw (never rescanning the hooks in between), and
wakes on a PostgreSQL notification sent after each change, with a timed poll as fallback.
Every replica converges on the same state; ``position`` says how far each one has read.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence
from typing import Any

import psycopg

from commands.store.application import EventStoreApplication

log = logging.getLogger(__name__)

PAGE = 500


class LogFollower:
    """Subclasses name their ``topics`` and ``channel``, and apply events in ``_apply``."""

    topics: Sequence[str] = ()
    channel: str = ""

    def __init__(self, store: EventStoreApplication) -> None:
        self._store = store
        self._position = 0
        self._lock = threading.Lock()

    @property
    def position(self) -> int:
        return self._position

    def catch_up(self) -> int:
        """Applies new events of the followed topics; returns the position reached."""
        with self._lock:
            head = int(self._store.recorder.max_notification_id() or 0)
            start = self._position
            if head <= start:
                return start
            applied: list[Any] = []
            while True:
                page = self._store.recorder.select_notifications(
                    start=start, limit=PAGE, stop=head, topics=self.topics,
                    inclusive_of_start=False,
                )  # fmt: skip
                for notification in page:
                    event = self._store.mapper.to_domain_event(notification)
                    self._apply(event)
                    applied.append(event)
                if len(page) < PAGE:
                    break
                start = page[-1].id
            self._publish(head, applied)
            self._position = head
            return head

    def _apply(self, event: Any) -> None:
        raise NotImplementedError

    def _publish(self, head: int, applied: list[Any]) -> None:
        """Makes what ``_apply`` gathered visible (called once per catch-up, under the lock)."""

    def follow(
        self, conninfo: str | None, stop: threading.Event, poll_seconds: float = 1.0
    ) -> None:
        """Keeps the state current until ``stop`` is set (LISTEN wake-ups, timed polls)."""
        listener: psycopg.Connection[Any] | None = None
        name = type(self).__name__
        while not stop.is_set():
            try:
                if listener is None and conninfo is not None:
                    listener = psycopg.connect(conninfo, autocommit=True)
                    listener.execute(f"LISTEN {self.channel}")
                self.catch_up()
                if listener is None:
                    stop.wait(poll_seconds)
                else:
                    for _ in listener.notifies(timeout=poll_seconds, stop_after=1):
                        pass
            except Exception:
                log.warning("%s: cannot read the log; retrying", name, exc_info=True)
                if listener is not None:
                    with contextlib.suppress(Exception):
                        listener.close()
                    listener = None
                stop.wait(poll_seconds)
        if listener is not None:
            listener.close()

    def start(self, conninfo: str | None) -> tuple[threading.Thread, threading.Event]:
        """Follows on a daemon thread; set the returned event (then join) to stop."""
        stop = threading.Event()
        thread = threading.Thread(
            target=self.follow, args=(conninfo, stop), name=type(self).__name__, daemon=True
        )
        thread.start()
        return thread, stop


def announce(store: EventStoreApplication, channel: str, position: int) -> None:
    """Wakes every follower of ``channel`` after a commit (best effort: followers also poll)."""
    notify = getattr(store.recorder, "notify", None)
    if notify is not None:
        notify(channel, str(position))
