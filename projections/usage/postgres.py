"""The usage read model in PostgreSQL: minute rows upserted (counters add) in the same
transaction as the position, one statement per batch."""

from __future__ import annotations

from typing import Any

import psycopg

from infra import tracking
from projections import storable
from projections.usage.projection import COUNTS, NAME, UsageChanges

TABLES = ("usage_minute",)
_KEYS = ("tenant_id", "bucket", "session_id", "user_id", "team", "model")
_TYPES = {"bucket": "timestamptz", "cost_usd": "float8", "duration_sum_ms": "float8"}
_COLUMNS = (*_KEYS, *COUNTS)
_UPSERT = f"""
INSERT INTO usage_minute AS t ({", ".join(_COLUMNS)})
SELECT * FROM unnest({
    ", ".join(f"%b::{_TYPES.get(c, 'text' if c in _KEYS else 'int8')}[]" for c in _COLUMNS)
})
ON CONFLICT ({", ".join(_KEYS)}) DO UPDATE SET
    {", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in COUNTS)}
"""  # noqa: S608 - column names are constants


class PostgresUsageView:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn
        storable.protect(conn)
        tracking.ensure(conn, NAME)

    def position(self) -> int:
        return tracking.read(self._conn, NAME)

    def apply(self, changes: UsageChanges, start: int, end: int) -> None:
        with self._conn.transaction(), self._conn.cursor() as cur:
            tracking.claim(cur, NAME, start)
            if changes.minutes:
                rows = [(*key, *(getattr(c, n) for n in COUNTS))
                        for key, c in changes.minutes.items()]  # fmt: skip
                cur.execute(_UPSERT, [list(column) for column in zip(*rows, strict=True)])
            tracking.advance(cur, NAME, end)

    def reset(self) -> None:
        tracking.reset(self._conn, NAME, TABLES)
