"""Positions in ``projection_positions``, shared by every projection and every reaction that
follows the log: a position moves with what it tracks, in one transaction, and only from where
it stands (so no event is ever applied, or acted on, twice).

``claim`` locks the row and raises ``StalePositionError`` when another runner moved it since
the batch was read: a harmless race, which every runner answers by re-reading the position;
``advance`` moves it and NOTIFYs waiting readers; ``reset`` goes back to 0 the same way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

NOTIFY_CHANNEL = "observatory_projections"
"""Readers waiting for a position LISTEN here (payload ``<name>:<position>``)."""


class StalePositionError(Exception):
    """Another runner moved the projection on since this batch was read; re-read."""


def ensure(conn: psycopg.Connection[Any], name: str) -> None:
    conn.execute(
        "INSERT INTO projection_positions (name) VALUES (%s) ON CONFLICT DO NOTHING", (name,)
    )
    if not conn.autocommit:
        conn.commit()


def read(conn: psycopg.Connection[Any], name: str) -> int:
    row = conn.execute(
        "SELECT position FROM projection_positions WHERE name = %s", (name,)
    ).fetchone()
    if not conn.autocommit:
        conn.commit()
    return int(row[0]) if row else 0


def claim(cur: psycopg.Cursor[Any], name: str, start: int | None) -> int:
    """Locks the position row for this transaction; with ``start``, refuses to go on unless
    the view stands exactly there."""
    row = cur.execute(
        "SELECT position FROM projection_positions WHERE name = %s FOR UPDATE", (name,)
    ).fetchone()
    current = int(row[0]) if row else 0
    if start is not None and current != start:
        raise StalePositionError(f"{name} is at {current}, batch starts at {start}")
    return current


def advance(cur: psycopg.Cursor[Any], name: str, end: int) -> None:
    cur.execute(
        "UPDATE projection_positions SET position = %s, updated_at = now() WHERE name = %s",
        (end, name),
    )
    cur.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, f"{name}:{end}"))


def reset(conn: psycopg.Connection[Any], name: str, tables: tuple[str, ...] = ()) -> None:
    """Back to position 0, emptying ``tables`` (a read model) in the same transaction."""
    with conn.transaction(), conn.cursor() as cur:
        claim(cur, name, None)
        if tables:
            cur.execute("TRUNCATE " + ", ".join(tables))
        advance(cur, name, 0)


def mirror(conn: psycopg.Connection[Any], name: str, position: int) -> None:
    """Records where a view kept outside PostgreSQL stands (its own store holds the truth):
    status pages and ``minPosition`` waits read every projection from one table."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "INSERT INTO projection_positions (name, position) VALUES (%s, %s)"
            " ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()",
            (name, position),
        )
        cur.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, f"{name}:{position}"))


class Tracked:
    """Base of whatever applies the log in batches under the row ``name``: a PostgreSQL view,
    a reaction. ``tables``: what a rebuild empties with the position."""

    def __init__(
        self, conn: psycopg.Connection[Any], name: str, tables: tuple[str, ...] = ()
    ) -> None:
        self._conn = conn
        self._name = name
        self._tables = tables
        ensure(conn, name)

    def position(self) -> int:
        """Last global position applied (0 = nothing)."""
        return read(self._conn, self._name)

    @contextmanager
    def batch(self, start: int, end: int) -> Iterator[psycopg.Cursor[Any]]:
        """A cursor in the transaction of one batch covering positions (start, end]: raises
        ``StalePositionError`` unless the row stands at ``start``; on leaving without an
        error, the position is ``end`` and readers waiting for it are notified at commit."""
        with self._conn.transaction(), self._conn.cursor() as cur:
            claim(cur, self._name, start)
            yield cur
            advance(cur, self._name, end)

    def reset(self) -> None:
        """Back to position 0 with ``tables`` emptied, for a rebuild or a replay."""
        reset(self._conn, self._name, self._tables)
