"""Answers analytics queries for other processes from this process's chDB (``up``'s
``analytics`` child, which runs the ``event_analytics`` projection): the API asks it over a
Unix socket (``projections/event_analytics/remote.py`` has the frames) instead of opening a
data path chDB lets only one process hold."""

from __future__ import annotations

import contextlib
import logging
import os
import socketserver
import threading
from collections.abc import Callable
from pathlib import Path

from projections.event_analytics.connections import CanQueryClickHouse
from projections.event_analytics.remote import is_read, read_frame, send_frame

log = logging.getLogger(__name__)


class AnalyticsServer:
    """A threaded Unix-socket server over ``connection``; ``close`` stops it and removes the
    socket."""

    def __init__(self, path: str, connection: CanQueryClickHouse) -> None:
        self.path = path
        Path(path).unlink(missing_ok=True)  # left by a killed predecessor
        answer = _answerer(connection)

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with contextlib.suppress(ConnectionError, OSError):
                    while (request := read_frame(self.request)) is not None:
                        send_frame(self.request, answer(request))

        self._server = socketserver.ThreadingUnixStreamServer(path, Handler)
        self._server.daemon_threads = True
        os.chmod(path, 0o600)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="analytics-server", daemon=True)  # fmt: skip
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        Path(self.path).unlink(missing_ok=True)


def _answerer(connection: CanQueryClickHouse) -> Callable[[object], dict[str, object]]:
    def answer(request: object) -> dict[str, object]:
        if not isinstance(request, dict) or not isinstance(request.get("sql"), str):
            return {"error": 'expected {"sql": text, "params": object}'}
        sql, params = request["sql"], request.get("params") or {}
        if not is_read(sql):
            return {"error": "only SELECT and WITH queries are answered here"}
        try:
            return {"rows": connection.select(sql, params)}
        except Exception as error:  # noqa: BLE001 - reported to the asking process
            log.warning("analytics query failed: %s", error)
            return {"error": f"{type(error).__name__}: {error}"}

    return answer
