"""`observatory up` started exactly as the README says, for the ingest benchmark's --up mode.

The harness depends only on what a user sees: the command line (`.venv/bin/observatory up
--port P` with a fresh ``OBSERVATORY_DATA_DIR``), the data dir (the saved agent key; the
embedded PostgreSQL's own ``postmaster.pid``, found wherever it lies inside) and HTTP
(``/readyz``). It never imports Observatory, so a new process layout of `up` needs no change
here. It stops `up` as a user does, with Ctrl-C (SIGINT to its process group, as a terminal
sends it), and reports whether that stopped everything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import psycopg


@dataclass
class Database:
    url: str
    pid: int
    schema: str
    """The schema that holds the event table (``observatory_events``)."""


@dataclass
class Up:
    base: str
    data_dir: Path
    key: str
    process: subprocess.Popen[bytes]
    log: Path
    stopped: dict[str, object] = field(default_factory=dict)
    """How it stopped (filled in when the context exits)."""

    def database(self) -> Database | None:
        """The embedded PostgreSQL in the data dir, from the server's own postmaster.pid."""
        for pidfile in self.data_dir.rglob("postmaster.pid"):
            lines = pidfile.read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
            host = lines[5].split(",")[0].strip() if len(lines) > 5 else ""
            host = "127.0.0.1" if host in ("", "*", "0.0.0.0") else host
            url = f"postgresql://postgres@{host}:{port}/postgres"
            with psycopg.connect(url) as conn:
                row = conn.execute(
                    "SELECT table_schema FROM information_schema.tables "
                    "WHERE table_name = 'observatory_events' LIMIT 1"
                ).fetchone()
            if row:
                return Database(url, pid, row[0])
        return None

    def rss_mb(self) -> int:
        """Resident memory of `up`'s process tree (the embedded PostgreSQL runs apart)."""
        try:
            root = psutil.Process(self.process.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for proc in procs:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        return total // 2**20


def _env(data_dir: Path) -> dict[str, str]:
    # The README's run: no OBSERVATORY_* of the caller's shell (another engineer's database URL
    # or port would silently change what is measured), only the fresh data dir.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBSERVATORY_")}
    env["OBSERVATORY_DATA_DIR"] = str(data_dir)
    return env


def _wait_ready(up: Up, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if up.process.poll() is not None:
            raise RuntimeError(f"observatory up exited ({up.process.returncode}):\n{_tail(up.log)}")
        try:
            if httpx.get(up.base + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"observatory up was not ready after {timeout:.0f} s:\n{_tail(up.log)}"
            )
        time.sleep(0.2)


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _agent_key(data_dir: Path) -> str:
    """The agent key `up` saved in its data dir (README: "both also saved, 0600, in the data dir")."""
    for path in data_dir.rglob("agent.key"):
        key = path.read_text().strip()
        if key:
            return key
    raise RuntimeError(f"no agent.key in {data_dir} although `up` is ready")


def _leftovers(up: Up) -> list[psutil.Process]:
    """Processes still running after `up` exited: in its process group, or using its data dir
    (named in their command line, or as their working directory)."""
    found = []
    data_dir = str(up.data_dir)
    for proc in psutil.process_iter(["cmdline", "cwd"]):
        try:
            if (
                os.getpgid(proc.pid) == up.process.pid
                or any(data_dir in part for part in proc.info["cmdline"] or ())
                or (proc.info["cwd"] or "").startswith(data_dir)
            ):
                found.append(proc)
        except (psutil.Error, OSError):
            continue
    return found


def _stop(up: Up) -> None:
    """Ctrl-C, as a user stops it; escalate only if that does not stop everything."""
    started = time.monotonic()
    try:
        os.killpg(up.process.pid, signal.SIGINT)
        code = up.process.wait(90)
        how = "Ctrl-C"
    except subprocess.TimeoutExpired:
        os.killpg(up.process.pid, signal.SIGKILL)
        code = up.process.wait(30)
        how = "SIGKILL after Ctrl-C did not stop it within 90 s"
    except ProcessLookupError:
        code = up.process.wait(30)
        how = "it had already exited"
    time.sleep(1)  # children that outlive their parent by a moment are not leftovers
    left = _leftovers(up)
    up.stopped = {
        "how": how,
        "exit_code": code,
        "seconds": round(time.monotonic() - started, 1),
        "left_running": [" ".join(p.info["cmdline"])[:160] for p in left],
        "tracebacks_in_log": _tail(up.log, 10**6).count("Traceback"),
        "clean": how == "Ctrl-C" and not left,
    }
    for proc in left:  # ours: started (through `up`) by this benchmark
        try:
            proc.send_signal(signal.SIGINT)  # PostgreSQL: fast shutdown
            proc.wait(30)
        except psutil.TimeoutExpired:
            proc.kill()
        except psutil.Error:
            pass


@contextmanager
def observatory_up(data_dir: Path, port: int, timeout: float = 240) -> Iterator[Up]:
    """`.venv/bin/observatory up --port PORT` with a fresh data dir; stopped with Ctrl-C."""
    data_dir.mkdir(parents=True)
    # As root, `up` runs PostgreSQL as its own service user, which must be able to enter the
    # data dir (as in a user's home, where `up` normally keeps it).
    for folder in (data_dir, *data_dir.parents):
        if folder == Path("/tmp") or folder == Path("/"):
            break
        folder.chmod(0o755)
    log = data_dir.parent / "up.log"
    observatory = Path(sys.executable).with_name("observatory")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(observatory), "up", "--port", str(port)], env=_env(data_dir),
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    up = Up(f"http://127.0.0.1:{port}", data_dir, "", process, log)
    try:
        _wait_ready(up, timeout)
        up.key = _agent_key(data_dir)
        yield up
    finally:
        _stop(up)
