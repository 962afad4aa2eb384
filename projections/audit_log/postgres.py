"""The audit log read model in PostgreSQL (``audit_log``, one row per command)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from projections import storable, tracking
from projections.audit_log.projection import NAME, AuditRows
from projections.audit_log.tables import metadata

TABLES = tuple(metadata.tables)

_INSERT = """
INSERT INTO audit_log (tenant_id, position, at, actor, action, target, detail)
VALUES (%(tenant_id)s, %(position)s, %(at)s, %(actor)s, %(action)s, %(target)s, %(detail)s)
"""


class PostgresAuditLogView:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn
        storable.protect(conn)
        tracking.ensure(conn, NAME)

    def position(self) -> int:
        return tracking.read(self._conn, NAME)

    def apply(self, changes: AuditRows, start: int, end: int) -> None:
        with self._conn.transaction(), self._conn.cursor() as cur:
            tracking.claim(cur, NAME, start)
            if changes.rows:
                cur.executemany(
                    _INSERT, [{**r, "detail": Jsonb(r["detail"])} for r in changes.rows]
                )
            tracking.advance(cur, NAME, end)

    def reset(self) -> None:
        tracking.reset(self._conn, NAME, TABLES)
