"""Child processes that ``observatory up`` runs and keeps running (the API, the projectors, the
relay, scoring), each one of the production roles started as ``python -m workers.cli <role>``.

Invariants:

- **Spawned from one thread that outlives them.** Every child asks the kernel for SIGTERM when
  the thread that started it ends (``PR_SET_PDEATHSIG``, as the embedded Valkey and NATS do), so
  none survives a ``kill -9`` of the supervisor. ``start`` and ``run`` (which restarts) must
  therefore be called from the same long-lived thread, the main thread in ``up``.
- **Restarted with backoff.** A child that exits while the supervisor is not stopping is
  logged with its exit code and started again after 0.5 s, doubling per consecutive failure up
  to 30 s; a child that ran for a minute counts as healthy again.
- **Stopped by the supervisor, not by the terminal.** Each child has its own process group, so a
  terminal's Ctrl-C reaches the supervisor only; ``stop`` then sends SIGTERM to every child,
  waits for them, and kills what is left after the grace period. Nothing is restarted once
  stopping has begun.
- **The API first.** Worker children can run at a higher niceness (``ChildSpec.nice``): on a
  busy machine the hook path, which an agent waits for, gets the CPU before the projectors,
  which catch up from their tracked positions a little later.
- **Logs say who wrote them.** Each child's stdout and stderr are read line by line and written
  to the supervisor's stdout with the role in front (``api     | …``); a JSON log line gets a
  ``"role"`` key instead, so it stays one JSON object.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

from infra.embedded.child import die_with_parent

log = logging.getLogger("observatory.supervisor")

FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0
START_ANYWAY = 60.0
"""Seconds after which a child whose ``start_when`` still fails is started all the same."""
HEALTHY_AFTER = 60.0
"""Seconds a child must run before its next exit counts as a first failure again."""


@dataclass(frozen=True)
class ChildSpec:
    """One role to run: its name (the log prefix), command line and environment."""

    role: str
    argv: Sequence[str]
    env: Mapping[str, str]
    nice: int = 0
    """Added to the child's niceness: workers that catch up yield the CPU to the API."""
    start_when: Callable[[], bool] | None = None
    """Started only once this holds (checked at every round; ``up``'s API waits for the
    projectors to lead), or after ``START_ANYWAY`` seconds, with a warning."""


def role_argv(*args: str) -> list[str]:
    """``python -P -m workers.cli ARGS``: this interpreter, never a ``workers`` package that
    happens to be in the current directory (``-P``)."""
    return [sys.executable, "-P", "-m", "workers.cli", *args]


@dataclass
class _Child:
    spec: ChildSpec
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    readers: list[threading.Thread] = field(default_factory=list)


class Supervisor:
    """Runs every ``ChildSpec`` until ``stop``; see the module docstring for the rules."""

    def __init__(
        self,
        specs: Sequence[ChildSpec],
        *,
        output: IO[str] | None = None,
        json_logs: bool = False,
        grace: float = 30.0,
    ) -> None:
        self._children = [_Child(spec) for spec in specs]
        self._output = output or sys.stdout
        self._json = json_logs
        self._grace = grace
        self._write_lock = threading.Lock()
        self.stopping = threading.Event()
        self._began = time.monotonic()

    def start(self) -> None:
        self._began = time.monotonic()
        for child in self._children:
            if child.spec.start_when is None:
                self._spawn(child)

    def run(self, tick: Callable[[], None] | None = None, interval: float = 0.1) -> None:
        """Watches the children until ``stopping`` is set; ``tick`` runs at every round."""
        while not self.stopping.wait(interval):
            now = time.monotonic()
            for child in self._children:
                self._check(child, now)
            if tick is not None:
                tick()

    def _check(self, child: _Child, now: float) -> None:
        if child.process is None:  # waiting for its start condition
            ready = child.spec.start_when
            late = now - self._began >= START_ANYWAY
            if late or ready is None or ready():
                if late:
                    log.warning("starting %s although its start condition does not hold after "
                                "%.0f s", child.spec.role, START_ANYWAY)  # fmt: skip
                self._spawn(child)
            return
        if child.restart_at is not None:
            if now >= child.restart_at:
                self._spawn(child)
            return
        code = child.process.poll()
        if code is None or self.stopping.is_set():
            return
        if now - child.started >= HEALTHY_AFTER:
            child.failures = 0
        delay = min(MAX_BACKOFF, FIRST_BACKOFF * 2**child.failures)
        child.failures += 1
        child.restart_at = now + delay
        log.error("%s exited with %s; restarting it in %.1f s", child.spec.role,
                  _describe(code), delay)  # fmt: skip

    def _spawn(self, child: _Child) -> None:
        child.restart_at = None
        process = subprocess.Popen(  # noqa: S603 - our interpreter, arguments built by up
            list(child.spec.argv), env=dict(child.spec.env), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, process_group=0,
            # Safe with threads: the child takes no lock before exec (prctl, getppid, nice).
            preexec_fn=_preexec(child.spec.nice),  # noqa: PLW1509
        )  # fmt: skip
        child.process, child.started = process, time.monotonic()
        child.readers = [
            threading.Thread(
                target=self._relay_lines,
                args=(child.spec.role, stream),
                name=f"{child.spec.role}-log",
                daemon=True,
            )
            for stream in (process.stdout, process.stderr)
            if stream is not None
        ]
        for reader in child.readers:
            reader.start()

    def _relay_lines(self, role: str, stream: IO[bytes]) -> None:
        prefix = f"{role:<7} | "
        with stream:
            for raw in iter(stream.readline, b""):
                line = raw.decode(errors="replace").rstrip("\n")
                with self._write_lock:
                    self._output.write(self._format(role, prefix, line) + "\n")
                    self._output.flush()

    def _format(self, role: str, prefix: str, line: str) -> str:
        if self._json and line.startswith("{"):
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict):
                    return json.dumps({"role": role, **record})
        return prefix + line

    def stop(self) -> None:
        """SIGTERM to every child, then SIGKILL to those still running after the grace."""
        self.stopping.set()
        running = [c.process for c in self._children if c.process and c.process.poll() is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self._grace
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("pid %d did not stop in %.0f s; killing it", process.pid, self._grace)
                process.kill()
                process.wait()
        for child in self._children:
            for reader in child.readers:
                reader.join(5)  # the rest of its output, up to the pipe's end


def _preexec(nice: int) -> Callable[[], None]:
    arm = die_with_parent()

    def prepare() -> None:
        if arm is not None:
            arm()
        if nice:
            os.nice(nice)

    return prepare


def _describe(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"signal {signal.Signals(-code).name}"
    return f"code {code}"


def stop_on_signals(supervisor: Supervisor) -> Callable[[], None]:
    """SIGINT and SIGTERM stop the supervisor; the returned function restores the handlers."""
    previous = {sig: signal.signal(sig, lambda *_: supervisor.stopping.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}  # fmt: skip

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def child_environment(base: Mapping[str, str], **settings: str | None) -> dict[str, str]:
    """``base`` with ``OBSERVATORY_<NAME>`` set for every given setting (None: left as is)."""
    merged = dict(base)
    for name, value in settings.items():
        if value is not None:
            merged[f"OBSERVATORY_{name.upper()}"] = value
    merged.setdefault("PYTHONUNBUFFERED", "1")  # lines reach the prefixer as they are written
    return merged
