"""The popular Bun + SQLite hook server, run beside `observatory up` in the ingest benchmark.

disler/claude-code-hooks-multi-agent-observability: `apps/server` takes the envelope its
`send_event.py` posts (``POST /events``), inserts it into SQLite (WAL, ``synchronous =
NORMAL``: no fsync per event) and answers with the stored row. Its code is never part of this
repository: the benchmark takes the path of a checkout and a bun binary (see BUN_HOWTO in
ingest.py). The server runs with its working directory in a scratch folder, so its
``events.db`` is a fresh database of its own.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class Bun:
    base: str
    process: subprocess.Popen[bytes]
    database: Path
    version: str
    commit: str

    def stored(self) -> int:
        """PreToolUse rows in its SQLite database."""
        with sqlite3.connect(self.database) as conn:
            row = conn.execute(
                "SELECT count(*) FROM events WHERE hook_event_type = 'PreToolUse'"
            ).fetchone()
        return int(row[0])


def entry_point(checkout: Path) -> Path:
    """The server's main module: a checkout of the repository, or its apps/server folder."""
    for candidate in (checkout / "apps" / "server" / "src" / "index.ts",
                      checkout / "src" / "index.ts"):  # fmt: skip
        if candidate.is_file():
            return candidate
    raise SystemExit(
        f"{checkout} is not a checkout of disler/claude-code-hooks-multi-agent-observability "
        "(no apps/server/src/index.ts); see --help for how to get one"
    )


def _commit(checkout: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


@contextmanager
def bun_server(checkout: Path, bun: Path, scratch: Path, port: int) -> Iterator[Bun]:
    """`bun <checkout>/apps/server/src/index.ts` on ``port``, its database in ``scratch``."""
    entry = entry_point(checkout)
    version = subprocess.run([str(bun), "--version"], capture_output=True, text=True,
                             check=True).stdout.strip()  # fmt: skip
    scratch.mkdir(parents=True)
    log = scratch / "bun.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(bun), str(entry)], cwd=scratch, env=dict(os.environ, SERVER_PORT=str(port)),
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    server = Bun(f"http://127.0.0.1:{port}", process, scratch / "events.db", version,
                 _commit(checkout))  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the Bun server exited:\n{log.read_text(errors='replace')}")
            try:
                if httpx.get(server.base + "/events/recent?limit=1", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Bun server did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(15)
