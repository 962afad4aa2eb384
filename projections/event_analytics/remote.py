"""Analytics queries asked of the process that holds chDB, over a Unix socket.

chDB lets one process hold its data path. Under ``observatory up`` that process is the
``analytics`` child (the ``event_analytics`` projection); the API sends it the same SQL text
and parameters the queries would run locally, and gets the decoded rows back.

Frames are a 4-byte big-endian length and a JSON object: ``{"sql", "params"}`` one way,
``{"rows"}`` or ``{"error"}`` the other. Only ``SELECT``/``WITH`` statements are answered:
this transport reads, the projection alone writes. The socket lives in the data dir (0700),
so only its user can reach it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from typing import Any

from projections.event_analytics.connections import Params

_LENGTH = struct.Struct(">I")
MAX_FRAME = 64 * 1024 * 1024
READS = ("SELECT", "WITH")


class AnalyticsUnavailableError(RuntimeError):
    """The analytics process did not answer (starting, restarting or down)."""


def send_frame(sock: socket.socket, value: object) -> None:
    data = json.dumps(value).encode()
    sock.sendall(_LENGTH.pack(len(data)) + data)


def read_frame(sock: socket.socket) -> Any:
    """The next frame's JSON value, or None at a clean end of the stream."""
    header = _read_exactly(sock, _LENGTH.size)
    if header is None:
        return None
    (length,) = _LENGTH.unpack(header)
    if length > MAX_FRAME:
        raise ValueError(f"frame of {length} bytes is over {MAX_FRAME}")
    body = _read_exactly(sock, length)
    if body is None:
        raise ConnectionError("the stream ended inside a frame")
    return json.loads(body)


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = sock.recv(left)
        if not chunk:
            if left == size:
                return None
            raise ConnectionError("the stream ended inside a frame")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def is_read(sql: str) -> bool:
    return sql.lstrip().upper().startswith(READS)


class RemoteClickHouse:
    """``CanQueryClickHouse`` for reads, answered by the process at ``path``; one
    connection per query (thread-safe, and a restarted server is simply reconnected)."""

    def __init__(self, path: str, *, connect_timeout: float = 10.0) -> None:
        self.path = path
        self._connect_timeout = connect_timeout
        self._lock = threading.RLock()

    def select(self, sql: str, params: Params | None = None) -> list[list[Any]]:
        with contextlib.closing(self._connect()) as sock:
            send_frame(sock, {"sql": sql, "params": dict(params or {})})
            answer = read_frame(sock)
        if not isinstance(answer, dict) or "rows" not in answer:
            error = answer.get("error") if isinstance(answer, dict) else "no answer"
            raise RuntimeError(f"analytics query failed: {error}")
        rows: list[list[Any]] = answer["rows"]
        return rows

    def _connect(self) -> socket.socket:
        """Waits a little for a server that is starting (its socket not there yet)."""
        deadline = time.monotonic() + self._connect_timeout
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.path)
            except (FileNotFoundError, ConnectionRefusedError):
                sock.close()
                if time.monotonic() > deadline:
                    raise AnalyticsUnavailableError(
                        f"the analytics process does not answer at {self.path}; "
                        "it may be restarting (see the `analytics` lines of the log)"
                    ) from None
                time.sleep(0.05)
                continue
            sock.settimeout(60)
            return sock

    def execute(self, sql: str, params: Params | None = None) -> None:
        raise NotImplementedError("the analytics process only answers queries")

    def insert(self, table: str, data: Any) -> None:
        raise NotImplementedError("the analytics process only answers queries")

    def exclusive(self) -> contextlib.AbstractContextManager[Any]:
        return self._lock

    def close(self) -> None:
        """Nothing is held between queries."""
