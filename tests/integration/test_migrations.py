"""Migrations apply once, in order, and refuse an edited migration."""

from __future__ import annotations

import pytest

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
