"""The audit log read model in PostgreSQL (``audit_log``, one row per command)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from projections.audit_log.projection import NAME, AuditRows
from projections.audit_log.tables import audit_log, metadata
from projections.statements import insert
from projections.view_tracking import TrackedView

TABLES = tuple(metadata.tables)

_INSERT = insert(audit_log)


class PostgresAuditLogView(TrackedView):
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        super().__init__(conn, NAME, TABLES)

    def apply(self, changes: AuditRows, start: int, end: int) -> None:
        with self.batch(start, end) as cur:
            if changes.rows:
                cur.executemany(
                    _INSERT, [{**r, "detail": Jsonb(r["detail"])} for r in changes.rows]
                )
