"""A server ``observatory up`` runs as its child (Valkey, NATS), which never outlives it for long.

Two guards, because neither is enough alone:

- **It dies with its parent.** On Linux the child asks the kernel (``prctl(PR_SET_PDEATHSIG)``)
  for SIGTERM when the thread that started it ends, however it ends — ``kill -9`` included — so
  nothing is left running after a crash. ``start`` must therefore be called from a thread that
  lives as long as the server should (``up`` calls it from the main thread).
- **A stale one is replaced at the next start.** The folder keeps the server's pid
  (``<name>.pid``) and its owner's pid and start time (``<name>.owner``). At start, a live
  server from this folder whose owner is gone (macOS has no death signal; a server left by an
  older version) is stopped before a new one starts; one whose owner is still alive belongs to
  another running ``up`` and is reused, never stopped by us. A pid is taken for our server only
  when that process runs the server's binary in this folder (its working directory), so a
  recycled pid is never signalled.

Compared with a supervising process or a pipe the server would have to watch, the death signal
costs nothing and needs no cooperation from the server; the pid-file check covers what it
cannot (other systems, a server started before it existed).

Subclasses give the name, the URL scheme and the command line.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import psutil

from infra.embedded.postgres import free_port

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class EmbeddedServerError(RuntimeError):
    """The embedded server could not start; the message says why."""


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child get SIGTERM when its parent dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before the fork, not in the child
    parent = os.getpid()

    def arm() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return arm


def accepts(port: int, host: str = "127.0.0.1") -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def stop_process(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after ``timeout``; returns once the process is gone."""
    with contextlib.suppress(psutil.NoSuchProcess):
        process = psutil.Process(pid)
        process.terminate()
        try:
            process.wait(timeout)
        except psutil.TimeoutExpired:
            process.kill()
            process.wait(5)


def _identity(pid: int) -> str:
    return f"{pid} {psutil.Process(pid).create_time():.2f}"


@dataclass
class EmbeddedServer:
    """One server whose files live under ``root``; its port is remembered for the next start."""

    root: Path
    port: int | None = None
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    name: ClassVar[str]
    scheme: ClassVar[str]
    binary: ClassVar[str]
    """The server's executable name, as the process table shows it."""

    def argv(self, port: int) -> list[str]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        if self.port is None:
            raise EmbeddedServerError(f"the embedded {self.name} has no port until it starts")
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.root / f"{self.name}.pid"

    @property
    def owner_file(self) -> Path:
        return self.root / f"{self.name}.owner"

    @property
    def logfile(self) -> Path:
        return self.root / f"{self.name}.log"

    @property
    def port_file(self) -> Path:
        return self.root / f"{self.name}.port"

    def start(self, timeout: float = 20.0) -> str:
        """Starts the server (or reuses the one another live ``up`` runs here); its URL."""
        self.root = self.root.resolve()
        pid = self.running_pid()
        if pid is not None:
            running = self.running_port()
            if self._owner_alive() and running is not None:
                self.port = running
                return self.url
            log.warning("stopping %s (pid %d) left running by an earlier run", self.name, pid)
            stop_process(pid)
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = self.port or self._remembered_port() or free_port()
        with self.logfile.open("ab") as output:  # where a refused flag is reported, too
            process = subprocess.Popen(  # noqa: S603 - our binary, arguments built here
                self.argv(self.port), stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                # Safe with threads: the child takes no lock (one prctl, one getppid).
                preexec_fn=die_with_parent(), cwd=self.root,  # noqa: PLW1509
            )  # fmt: skip
        self._process = process
        self.pid_file.write_text(str(process.pid))
        self.owner_file.write_text(_identity(os.getpid()))
        deadline = time.monotonic() + timeout
        while not accepts(self.port):
            if process.poll() is not None:
                self.stop()
                raise EmbeddedServerError(f"{self.name} exited:\n{self._tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise EmbeddedServerError(f"{self.name} did not listen in {timeout:.0f}s")
            time.sleep(0.02)
        self.port_file.write_text(str(self.port))
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        """Stops the server this object started; one reused from another ``up`` is left to it."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for path in (self.pid_file, self.owner_file):
            path.unlink(missing_ok=True)

    def running_pid(self) -> int | None:
        """The live server started from this folder, if any (whoever started it)."""
        try:
            pid = int(self.pid_file.read_text().strip())
            process = psutil.Process(pid)
            alive = process.status() != psutil.STATUS_ZOMBIE
            # Its working directory (we start it here; Valkey rewrites its command line), or
            # this folder in its command line (NATS as older versions started it elsewhere).
            folder = str(self.root.resolve())
            ours = process.name() == self.binary and (
                process.cwd() == folder or any(folder in arg for arg in process.cmdline())
            )
        except (OSError, ValueError, psutil.Error):
            return None
        return pid if alive and ours else None

    def running_port(self) -> int | None:
        """Port of a live server started from this folder, if any."""
        if self.running_pid() is None:
            return None
        port = self._remembered_port(free_only=False)
        return port if port is not None and accepts(port) else None

    def _owner_alive(self) -> bool:
        try:
            pid = int(self.owner_file.read_text().split()[0])
            return _identity(pid) == self.owner_file.read_text().strip()
        except (OSError, ValueError, IndexError, psutil.Error):
            return False

    def _remembered_port(self, *, free_only: bool = True) -> int | None:
        try:
            port = int(self.port_file.read_text())
        except (OSError, ValueError):
            return None
        return port if not (free_only and accepts(port)) else None

    def _tail(self) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "no log"
