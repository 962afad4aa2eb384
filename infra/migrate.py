"""Applies ``migrations/postgres/NNNN_<what>.sql`` in order, each once, recorded in a table.

Files are idempotent SQL; each runs in its own transaction with ``search_path`` set to the
Observatory schema. An advisory lock keeps two processes from migrating at the same time, and
a changed file that already ran is reported instead of silently skipped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TypeVar

from psycopg import sql

from infra.database import connect

_LOCK_KEY = 0x0B5E_7A70  # "observatory migrations"


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.version}_{self.name}"


class MigrationChangedError(RuntimeError):
    """A migration that already ran has different content now."""


M = TypeVar("M", bound=Migration)


def pending(migrations: Iterable[M], done: Mapping[str, str], what: str = "migration") -> list[M]:
    """The migrations not run yet, in order; ``done`` maps each version run to its checksum.
    Refuses one that ran with other content (PostgreSQL's and ClickHouse's ledgers alike)."""
    todo = []
    for migration in migrations:
        if migration.version not in done:
            todo.append(migration)
        elif done[migration.version] != migration.checksum:
            raise MigrationChangedError(
                f"{what} {migration.label} changed after it ran; add a new migration instead "
                "of editing an applied one"
            )
    return todo


def available(kind: str = "postgres") -> list[Migration]:
    folder = resources.files("migrations") / kind
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql"):
            version, _, rest = entry.name.partition("_")
            found.append(Migration(version, rest.removesuffix(".sql"), entry.read_text("utf-8")))
    return found


def migrate(url: str, schema: str) -> list[str]:
    """Brings ``schema`` up to date; returns the names of the migrations it applied."""
    applied: list[str] = []
    with connect(url, schema, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = dict(conn.execute("SELECT version, checksum FROM schema_migrations").fetchall())
            for migration in pending(available(), done):
                with conn.transaction():
                    conn.execute(migration.sql.encode())
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s,%s,%s)",
                        (migration.version, migration.name, migration.checksum),
                    )
                applied.append(migration.label)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return applied
