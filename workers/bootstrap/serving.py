"""The ``serve`` role as a process: uvicorn with N workers, and with N > 1 the host's ingest
writer beside them (one group commit for the host), restarted if it dies.

uvicorn's workers build their app with ``workers.serve:app_from_env``: they read their
settings from the environment, so this passes the resolved settings on that way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from infra.settings import Settings
from workers.supervisor import role_argv

log = logging.getLogger("observatory")


class WriterDidNotStartError(RuntimeError):
    """The ingest writer exited, or did not listen within a minute."""


def serve_http(settings: Settings, database_url: str, *, role: str, workers: int) -> None:
    """Serves the API (``role``: all, write or read) until stopped."""
    import uvicorn

    from workers.http_server import uvicorn_options

    os.environ["OBSERVATORY_DATABASE_URL"] = database_url
    os.environ["OBSERVATORY_AUTH_MODE"] = settings.auth_mode
    os.environ["OBSERVATORY_DATA_DIR"] = str(settings.data_dir)
    os.environ["OBSERVATORY_ROLE"] = role
    # The workers read their settings from the environment: flags must reach them too.
    os.environ["OBSERVATORY_HOST"] = settings.host
    os.environ["OBSERVATORY_PORT"] = str(settings.port)
    os.environ["OBSERVATORY_OTLP_GRPC_PORT"] = str(settings.otlp_grpc_port)
    writer = scratch = None
    if workers > 1 and role in ("all", "write"):
        # Several HTTP workers share one ingest writer (one group commit for the host) and
        # one Prometheus registry on disk.
        scratch = Path(tempfile.mkdtemp(prefix="observatory-serve-"))
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(scratch / "metrics"))
        Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(exist_ok=True)
        os.environ["OBSERVATORY_INGEST_SOCKET"] = str(scratch / "ingest.sock")
        os.environ["OBSERVATORY_OTLP_GRPC_REUSE_PORT"] = "1"  # every worker serves OTLP/gRPC
        writer = WriterSupervisor(os.environ["OBSERVATORY_INGEST_SOCKET"])
        writer.start()
    try:
        uvicorn.run(
            "workers.serve:app_from_env", factory=True, workers=workers,
            **uvicorn_options(settings),
        )  # fmt: skip
    finally:
        if writer is not None:
            writer.stop()
        if scratch is not None:  # the socket and the per-worker metric files
            shutil.rmtree(scratch, ignore_errors=True)


class WriterSupervisor:
    """Runs `observatory ingest-writer` and restarts it if it dies."""

    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="ingest-writer", daemon=True)

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def _spawn(self) -> None:
        import socket as sockets
        import time

        argv = role_argv("ingest-writer", "--socket", self.socket_path)
        self._process = subprocess.Popen(argv)  # noqa: S603 - our own interpreter and module
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self._process.poll() is None:
            with contextlib.suppress(OSError), sockets.socket(sockets.AF_UNIX) as probe:
                probe.connect(self.socket_path)
                return
            time.sleep(0.05)
        raise WriterDidNotStartError("the ingest writer did not start; see the log above")

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            process = self._process
            if process is None:  # start() spawns the writer before it supervises it
                return
            code = process.wait()
            if self._stopping.is_set():
                return
            log.error("ingest writer exited with %s; restarting it", code)
            with contextlib.suppress(WriterDidNotStartError):
                self._spawn()

    def stop(self) -> None:
        self._stopping.set()
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
