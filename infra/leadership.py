"""Who runs a follower of the log, and what wakes it: the pieces every runner shares.

``Leadership`` is a session-level PostgreSQL advisory lock: whoever holds it runs (a projection,
a reaction, the relay), the others stand by and take over when its connection goes. ``Wakeup``
LISTENs on a channel (the event table's: eventsourcing NOTIFYs on every insert), so an idle
runner starts at once; its timed wait is the fallback poll.
"""

from __future__ import annotations

from typing import Any

import psycopg


class Wakeup:
    """LISTEN on the event table's channel; ``wait`` returns early when events are appended."""

    def __init__(self, conninfo: str, channel: str) -> None:
        self._conn = psycopg.connect(conninfo, autocommit=True)
        self._conn.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(channel)))

    def wait(self, timeout: float) -> None:
        for _ in self._conn.notifies(timeout=timeout, stop_after=1):
            pass
        # Drain the backlog: one wake-up per burst is enough.
        for _ in self._conn.notifies(timeout=0.0):
            pass

    def close(self) -> None:
        self._conn.close()


class Leadership:
    """A session-level advisory lock: whoever holds it runs; the others stand by."""

    def __init__(self, conn: psycopg.Connection[Any], key: str) -> None:
        self.conn = conn
        self._key = key

    def try_acquire(self) -> bool:
        row = self.conn.execute(
            "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (self._key,)
        ).fetchone()
        return bool(row and row[0])
