"""What every PostgreSQL view does around its rows: text made storable, and the position
tracking every log consumer shares (``infra.tracking.Tracked``): a position row that exists,
and each batch written in one transaction that claims the position where the batch starts
and advances it where the batch ends, so no event is applied twice."""

from __future__ import annotations

from typing import Any

import psycopg

from infra.tracking import Tracked
from projections import storable


class TrackedView(Tracked):
    """Base of a PostgreSQL view named ``name`` over ``tables`` (what a rebuild empties).
    Subclasses write a batch's rows inside ``batch``."""

    def __init__(self, conn: psycopg.Connection[Any], name: str, tables: tuple[str, ...]) -> None:
        storable.protect(conn)
        super().__init__(conn, name, tables)
