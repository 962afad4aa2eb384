"""The audit log read model in PostgreSQL (``audit_log``, one row per command)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from projections.audit_log.projection import NAME, AuditRows
from projections.audit_log.tables import metadata
from projections.view_tracking import TrackedView

TABLES = tuple(metadata.tables)

_INSERT = """
INSERT INTO audit_log (tenant_id, position, at, actor, action, target, detail)
VALUES (%(tenant_id)s, %(position)s, %(at)s, %(actor)s, %(action)s, %(target)s, %(detail)s)
"""


class PostgresAuditLogView(TrackedView):
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        super().__init__(conn, NAME, TABLES)

    def apply(self, changes: AuditRows, start: int, end: int) -> None:
        with self.batch(start, end) as cur:
            if changes.rows:
                cur.executemany(
                    _INSERT, [{**r, "detail": Jsonb(r["detail"])} for r in changes.rows]
                )
