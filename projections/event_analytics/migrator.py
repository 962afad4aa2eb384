"""Applies ``migrations/clickhouse/NNNN_<what>.sql`` in order, each once, recorded in ClickHouse.

ClickHouse has no transactions, so every statement must be idempotent (``IF NOT EXISTS``):
a file interrupted halfway runs again whole, and two processes migrating at once do no harm
(the record of a migration is a ReplacingMergeTree row, so recording it twice is one row).
A file that already ran and has changed since is refused, as for PostgreSQL.

A file holds statements separated by a semicolon at the end of a line; ``{db}`` names the
configured database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from infra.migrate import Migration, pending
from infra.migrate import available as migrations
from projections.event_analytics.connections import (
    CanQueryClickHouse,
    clickhouse_time,
    identifier,
    in_database,
)

_STATEMENT_END = re.compile(r";[ \t]*$", re.MULTILINE)

_LEDGER = """
CREATE TABLE IF NOT EXISTS {db}.schema_migrations
(
    version String,
    name String,
    checksum String,
    applied_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY version
"""


@dataclass(frozen=True)
class ClickHouseMigration(Migration):
    def statements(self) -> list[str]:
        chunks = (c.strip() for c in _STATEMENT_END.split(self.sql))
        return [c for c in chunks if _has_code(c)]


def _has_code(chunk: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in chunk.splitlines())


def available() -> list[ClickHouseMigration]:
    return [ClickHouseMigration(m.version, m.name, m.sql) for m in migrations("clickhouse")]


def migrate_clickhouse(connection: CanQueryClickHouse, database: str) -> list[str]:
    """Brings ``database`` up to date; returns the names of the migrations it applied."""
    db = identifier(database)
    applied: list[str] = []
    with connection.exclusive():
        connection.execute(f"CREATE DATABASE IF NOT EXISTS {db}")
        connection.execute(in_database(_LEDGER, db))
        ran = "SELECT version, checksum FROM {db}.schema_migrations FINAL"
        done = {str(v): str(c) for v, c in connection.select(in_database(ran, db))}
        for migration in pending(available(), done, "ClickHouse migration"):
            for statement in migration.statements():
                connection.execute(in_database(statement, db))
            connection.execute(
                in_database(
                    "INSERT INTO {db}.schema_migrations (version, name, checksum, applied_at)"
                    " VALUES ({version:String}, {name:String}, {checksum:String},"
                    " {at:DateTime64(6, 'UTC')})",
                    db,
                ),
                {
                    "version": migration.version,
                    "name": migration.name,
                    "checksum": migration.checksum,
                    "at": clickhouse_time(datetime.now(UTC)),
                },
            )
            applied.append(migration.label)
    return applied
