"""The usage read model in PostgreSQL: minute rows, and on plain PostgreSQL the hour, day and
month rollups, upserted (counters add) in the same transaction as the position, one statement per
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
from projections.usage.counts import COUNTS, Rollup
from projections.usage.projection import NAME, SessionProject, UsageChanges, buckets
from projections.usage.tables import ROLLUPS, metadata, usage_minute, usage_sessions
from projections.view_tracking import TrackedView

_PROJECTS = """
SELECT tenant_id, session_id, project, position FROM usage_sessions
WHERE (tenant_id, session_id) IN (SELECT * FROM unnest(%b::text[], %b::text[]))
"""
_REMEMBER = """
INSERT INTO usage_sessions (tenant_id, session_id, project, position)
SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::bigint[])
ON CONFLICT (tenant_id, session_id) DO NOTHING
"""


def _upsert(table: Table) -> str:
    keys = _keys(table)
    types = column_types(table)
    columns = ("tenant_id", "bucket", *keys, *COUNTS)
    return f"""
INSERT INTO {table.name} AS t ({", ".join(columns)})
SELECT * FROM unnest({", ".join(f"%b::{types[c]}[]" for c in columns)})
ON CONFLICT (tenant_id, bucket, {", ".join(keys)}) DO UPDATE SET
    {", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in COUNTS)}
"""  # noqa: S608 - column names are constants


def _keys(table: Table) -> tuple[str, ...]:
    """The table's dimensions (its key after tenant and bucket)."""
    return tuple(c.name for c in table.primary_key.columns)[2:]


_TABLES: tuple[tuple[Rollup, Table], ...] = (
    ("minute", usage_minute), *((unit, t) for (unit, _), t in ROLLUPS.items()),
)  # fmt: skip
_UPSERTS = {table.name: _upsert(table) for _, table in _TABLES}


class PostgresUsageView(TrackedView):
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        row = conn.execute("SELECT layout FROM usage_layout").fetchone()
        self.layout = str(row[0]) if row else "plain"
        # Continuous aggregates are not this view's to write or empty: they follow the minutes.
        self._writes = _TABLES if self.layout == "plain" else _TABLES[:1]
        kept = {t.name for _, t in self._writes} | {usage_sessions.name}
        super().__init__(conn, NAME, tuple(name for name in metadata.tables if name in kept))

    def apply(self, changes: UsageChanges, start: int, end: int) -> None:
        with self.batch(start, end) as cur:
            projects = self._projects(cur, changes)
            if not changes.records:
                return
            for unit, table in self._writes:
                rows = buckets(changes.records, projects, unit, _keys(table))
                values = [(*key, *counts.values()) for key, counts in rows.items()]
                cur.execute(_UPSERTS[table.name], [list(c) for c in zip(*values, strict=True)])

    @staticmethod
    def _projects(
        cur: psycopg.Cursor[Any], changes: UsageChanges
    ) -> dict[tuple[str, str], SessionProject]:
        """The stored project of every session in the batch, after storing the batch's new
        ones (the first stored wins)."""
        if changes.projects:
            items = list(changes.projects.items())
            cur.execute(_REMEMBER, ([k[0] for k, _ in items], [k[1] for k, _ in items],
                                    [p for _, (p, _) in items],
                                    [at for _, (_, at) in items]))  # fmt: skip
        keys = list({(r.tenant_id, r.session_id) for r in changes.records})
        if not keys:
            return {}
        found = cur.execute(_PROJECTS, ([k[0] for k in keys], [k[1] for k in keys])).fetchall()
        return {(t, s): (p, at) for t, s, p, at in found}
