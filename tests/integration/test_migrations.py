"""Migrations apply once, in order, and refuse an edited migration; every projection's
``tables.py`` describes the tables they make."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import projections
from infra import migrate as migrations
from tests.conftest import drop_schema


def test_migrating_twice_applies_nothing_the_second_time(pg_url, schema):
    assert migrations.migrate(pg_url, schema) == []


def test_a_fresh_schema_gets_every_migration(pg_url):
    name = "t_fresh_migrate"
    drop_schema(pg_url, name)
    try:
        applied = migrations.migrate(pg_url, name)
        assert applied == [f"{m.version}_{m.name}" for m in migrations.available()]
    finally:
        drop_schema(pg_url, name)


def test_an_edited_migration_is_reported(pg_url, schema, monkeypatch):
    original = migrations.available()
    edited = [migrations.Migration(m.version, m.name, m.sql + "\n-- edited") for m in original]
    monkeypatch.setattr(migrations, "available", lambda kind="postgres": edited)
    with pytest.raises(migrations.MigrationChangedError, match="add a new migration"):
        migrations.migrate(pg_url, schema)


def test_every_projection_describes_its_tables_as_migrated(db):
    """``projections/<view>/tables.py`` is where the views' writes and the queries take the
    columns from: it names every column of the migrated table, in order."""
    root = Path(projections.__file__).parent
    described = [importlib.import_module(f"projections.{p.parent.name}.tables").metadata
                 for p in sorted(root.glob("*/tables.py"))]  # fmt: skip
    assert len(described) >= 5
    for metadata in described:
        for table in metadata.tables.values():
            migrated = [row[0] for row in db.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = %s"
                " ORDER BY ordinal_position", (table.name,),
            )]  # fmt: skip
            assert [c.name for c in table.columns] == migrated, table.name
