"""The activity read model in PostgreSQL: minute rows upserted (counters add) in the same
transaction as the position, one statement per batch."""

from __future__ import annotations

from typing import Any

import psycopg

from projections.activity.projection import NAME, ActivityChanges
from projections.activity.tables import COUNTS, FLOATS, activity_minute, metadata
from projections.statements import column_types
from projections.view_tracking import TrackedView

TABLES = tuple(metadata.tables)
_KEYS = tuple(c.name for c in activity_minute.primary_key.columns)
_COLUMNS = (*_KEYS, *COUNTS)
_TYPE = column_types(activity_minute)
_UPSERT = f"""
INSERT INTO activity_minute AS t ({", ".join(_COLUMNS)})
SELECT * FROM unnest({", ".join(f"%b::{_TYPE[c]}[]" for c in _COLUMNS)})
ON CONFLICT ({", ".join(_KEYS)}) DO UPDATE SET
    {", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in COUNTS)}
"""  # noqa: S608 - column names are constants


class PostgresActivityView(TrackedView):
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        super().__init__(conn, NAME, TABLES)

    def apply(self, changes: ActivityChanges, start: int, end: int) -> None:
        with self.batch(start, end) as cur:
            if changes.minutes:
                rows = [(*key, *(c[n] if n in FLOATS else round(c[n]) for n in COUNTS))
                        for key, c in changes.minutes.items()]  # fmt: skip
                cur.execute(_UPSERT, [list(column) for column in zip(*rows, strict=True)])
