"""Shared by the benchmarks: a fresh schema and an `observatory serve` against it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infra.embedded.postgres import free_port
from infra.migrate import migrate

DEFAULT_URL = os.environ.get("OBSERVATORY_BENCH_DATABASE_URL",
                             "postgresql://postgres@127.0.0.1:5432/postgres")  # fmt: skip


@dataclass
class Server:
    base: str
    schema: str
    process: subprocess.Popen[bytes]
    key: str
    """An agent key of the benchmark's schema (hooks send it, as in production)."""


def stop(process: subprocess.Popen[bytes]) -> None:
    """A normal stop (SIGTERM to the server's process group), as a service manager does."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def agent_key(database_url: str, schema: str) -> str:
    """Issues an agent key in the benchmark's schema (the server checks it on every hook)."""
    from commands.access.service import AccessDesk
    from infra.database import eventsourcing_env

    desk = AccessDesk(eventsourcing_env(database_url, schema, 1))
    try:
        return desk.issue_key("default", "benchmark", "agent", "benchmark").key
    finally:
        desk.close()


@contextmanager
def observatory(database_url: str, workers: int = 1, *extra: str) -> Iterator[Server]:
    """A fresh schema, migrated, served by `observatory serve`; dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    migrate(database_url, schema)
    key = agent_key(database_url, schema)
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("OBSERVATORY_DATABASE_URL", "OBSERVATORY_PORT")}  # fmt: skip
    env.update(OBSERVATORY_DATABASE_URL=database_url, OBSERVATORY_DATABASE_SCHEMA=schema,
               OBSERVATORY_PORT=str(port), OBSERVATORY_LOG_LEVEL="warning",
               OBSERVATORY_DATA_DIR=f"/tmp/observatory-{schema}")  # fmt: skip
    observatory_bin = str(Path(sys.executable).with_name("observatory"))
    process = subprocess.Popen([observatory_bin, "serve", "--workers", str(workers), *extra],
                               env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        yield Server(base, schema, process, key)
    finally:
        stop(process)
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
