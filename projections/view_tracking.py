"""What every PostgreSQL view does around its rows: text made storable, a position row that
exists, and each batch written in one transaction that claims the position where the batch
starts and advances it where the batch ends (``tracking``), so no event is applied twice."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from infra import tracking
from projections import storable


class TrackedView:
    """Base of a PostgreSQL view named ``name`` over ``tables`` (what a rebuild empties).
    Subclasses write a batch's rows inside ``batch``."""

    def __init__(self, conn: psycopg.Connection[Any], name: str, tables: tuple[str, ...]) -> None:
        self._conn = conn
        self._name = name
        self._tables = tables
        storable.protect(conn)
        tracking.ensure(conn, name)

    def position(self) -> int:
        """Last global position applied (0 = nothing)."""
        return tracking.read(self._conn, self._name)

    @contextmanager
    def batch(self, start: int, end: int) -> Iterator[psycopg.Cursor[Any]]:
        """A cursor in the transaction of one batch covering positions (start, end]: raises
        ``StalePositionError`` unless the view stands at ``start``; on leaving without an
        error, the position is ``end`` and readers waiting for it are notified at commit."""
        with self._conn.transaction(), self._conn.cursor() as cur:
            tracking.claim(cur, self._name, start)
            yield cur
            tracking.advance(cur, self._name, end)

    def reset(self) -> None:
        """Empties the view and its position, for a rebuild."""
        tracking.reset(self._conn, self._name, self._tables)
