"""Fixtures shared by every test layer: the sample corpus and an isolated database schema.

The corpus is a copy of ``shared/corpus`` kept in ``tests/corpus`` so a clean checkout tests
the same bytes everywhere (``OBSERVATORY_CORPUS`` points the tests at another copy).

Integration tests talk to the machine's PostgreSQL (``OBSERVATORY_TEST_DATABASE_URL``,
default ``postgresql://postgres@127.0.0.1:5432/postgres``). Each test module gets its own
schema, dropped afterwards, so tests never depend on each other or on order.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _corpus_dir() -> Path:
    configured = os.environ.get("OBSERVATORY_CORPUS")
    candidates = [Path(configured)] if configured else []
    candidates += [ROOT / "tests" / "corpus", ROOT.parent / "shared" / "corpus"]
    for candidate in candidates:
        if (candidate / "manifest.json").exists():
            return candidate
    raise RuntimeError("sample corpus not found; set OBSERVATORY_CORPUS to shared/corpus")


CORPUS = _corpus_dir()
SESSION_DIR = CORPUS / "claude_hooks" / "s1_ledger_api"
MALFORMED_DIR = CORPUS / "claude_hooks" / "malformed"
MANIFEST: dict[str, Any] = json.loads((CORPUS / "manifest.json").read_text())
S1 = MANIFEST["sessions"]["S1"]
SUB1 = MANIFEST["subagents"]["SUB1"]
AUTO_MODE: dict[str, Any] = MANIFEST.get("auto_mode", {})
"""An auto-mode session: calls only PermissionDenied or PostToolBatch saw (manifest + files).
Looked up softly: an older copy of the corpus without it fails only the tests that use it."""
S2: dict[str, Any] = MANIFEST["sessions"].get("S2", {})


def session_files() -> list[Path]:
    return sorted(SESSION_DIR.glob("*.json"))


def auto_mode_files() -> list[Path]:
    return sorted((CORPUS / "claude_hooks" / S2.get("dir", "s2_auto_mode")).glob("*.json"))


def malformed_files() -> list[Path]:
    return sorted(MALFORMED_DIR.glob("*.json"))


@pytest.fixture(scope="session")
def pg_url() -> str:
    url = os.environ.get(
        "OBSERVATORY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {url} ({error}); start it (see .ci/run) or set "
            "OBSERVATORY_TEST_DATABASE_URL"
        )
    return url


def drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                psycopg.sql.Identifier(schema)
            )
        )


@pytest.fixture
def schema(pg_url: str) -> Iterator[str]:
    """A fresh, migrated schema for one test."""
    from infra.migrate import migrate

    name = f"t_{uuid.uuid4().hex[:12]}"
    migrate(pg_url, name)
    yield name
    drop_schema(pg_url, name)


# Real-server fixtures (event store, in-process app, live HTTP server) for the layers that use
# them; defining them costs unit tests nothing.
pytest_plugins = ["tests.live", "tests.openbao"]


@pytest.fixture(autouse=True)
def _one_chdb_path_at_a_time() -> Iterator[None]:
    """chDB lets a process hold one data path at a time; tests use one each, so the process's
    analytics connections are closed after every test (a no-op when none was opened)."""
    yield
    from workers.analytics import close_clickhouse

    close_clickhouse()


EXIT_WATCHDOG_SECONDS = 120


def pytest_unconfigure(config: pytest.Config) -> None:
    """A run must end when its tests do. A thread or child a test left behind would otherwise
    hold the interpreter at exit until CI's time limit; instead, after two minutes every
    thread's stack is printed and the run exits non-zero, naming the culprit."""
    import faulthandler
    import sys

    faulthandler.dump_traceback_later(EXIT_WATCHDOG_SECONDS, exit=True, file=sys.__stderr__)
