"""The usage read model in PostgreSQL: minute rows, and on plain PostgreSQL the hour and day
rollups, upserted (counters add) in the same transaction as the position, one statement per
table per batch. With TimescaleDB the rollups are continuous aggregates: they follow the
minutes by themselves.

A session's project is the first one ever stored for it (``usage_sessions``), read under the
position lock, so a batch boundary between a session's first hook and its calls changes
nothing.
"""

from __future__ import annotations

from typing import Any

import psycopg
from sqlalchemy import Table

from projections.statements import column_types
from projections.usage.counts import COUNTS, Unit
from projections.usage.projection import NAME, UsageChanges, buckets
from projections.usage.tables import ROLLUPS, metadata
from projections.view_tracking import TrackedView

_PROJECTS = """
SELECT tenant_id, session_id, project FROM usage_sessions
WHERE (tenant_id, session_id) IN (SELECT * FROM unnest(%b::text[], %b::text[]))
"""
_REMEMBER = """
INSERT INTO usage_sessions (tenant_id, session_id, project)
SELECT * FROM unnest(%b::text[], %b::text[], %b::text[])
ON CONFLICT (tenant_id, session_id) DO NOTHING
"""


def _upsert(table: Table) -> str:
    keys = tuple(c.name for c in table.primary_key.columns)
    types = column_types(table)
    columns = (*keys, *COUNTS)
    return f"""
INSERT INTO {table.name} AS t ({", ".join(columns)})
SELECT * FROM unnest({", ".join(f"%b::{types[c]}[]" for c in columns)})
ON CONFLICT ({", ".join(keys)}) DO UPDATE SET
    {", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in COUNTS)}
"""  # noqa: S608 - column names are constants


_UPSERTS = {unit: _upsert(table) for unit, table in ROLLUPS.items()}


class PostgresUsageView(TrackedView):
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        row = conn.execute("SELECT layout FROM usage_layout").fetchone()
        self.layout = str(row[0]) if row else "plain"
        self._units: tuple[Unit, ...] = (
            ("minute",) if self.layout == "timescaledb" else ("minute", "hour", "day")
        )
        # Continuous aggregates are not this view's to empty: they follow usage_minute.
        kept = {ROLLUPS[unit].name for unit in self._units} | {"usage_sessions"}
        tables = tuple(name for name in metadata.tables if name in kept)
        super().__init__(conn, NAME, tables)

    def apply(self, changes: UsageChanges, start: int, end: int) -> None:
        with self.batch(start, end) as cur:
            projects = self._projects(cur, changes)
            if not changes.records:
                return
            for unit in self._units:
                rows = buckets(changes.records, projects, unit, sessions=unit == "minute")
                values = [(*key, *counts.values()) for key, counts in rows.items()]
                cur.execute(_UPSERTS[unit], [list(c) for c in zip(*values, strict=True)])

    @staticmethod
    def _projects(cur: psycopg.Cursor[Any], changes: UsageChanges) -> dict[tuple[str, str], str]:
        """The stored project of every session in the batch, after storing the batch's new
        ones (the first stored wins)."""
        if changes.projects:
            items = list(changes.projects.items())
            cur.execute(_REMEMBER, ([k[0] for k, _ in items], [k[1] for k, _ in items],
                                    [p for _, p in items]))  # fmt: skip
        keys = list({(r.tenant_id, r.session_id) for r in changes.records})
        if not keys:
            return {}
        found = cur.execute(_PROJECTS, ([k[0] for k in keys], [k[1] for k in keys])).fetchall()
        return {(t, s): p for t, s, p in found}
