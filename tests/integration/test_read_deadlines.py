"""Read deadlines and header limits over real sockets against a real uvicorn server.

Promises: a client that sends its headers too slowly, or nothing at all, is answered 408
and disconnected within the header deadline; a body that stalls gets 408; headers over
the limit get 431; well-behaved requests (kept-alive, idle between requests, a body in
pieces) are unaffected.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator

import pytest

from tests.conftest import SESSION_DIR
from tests.live import LiveServer

DEADLINE = 1.0
SLACK = 5.0
"""How late after ``DEADLINE`` a cut may come on a loaded machine: generous (no performance is
asserted), yet well under the defaults (10 s for headers, 30 s for a body), so a cut in time
shows the configured deadline fired and not a default."""
HOOK = (SESSION_DIR / "003_UserPromptSubmit.json").read_bytes()


@pytest.fixture
def server(settings, pg_url) -> Iterator[LiveServer]:
    limits = settings.replace(http_header_timeout_seconds=DEADLINE,
                              http_body_timeout_seconds=DEADLINE)  # fmt: skip
    live = LiveServer(limits, pg_url)
    yield live
    live.stop()


def connect(server: LiveServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.settings.port), timeout=10)


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def read_response(sock: socket.socket) -> int:
    """Reads one whole response on a kept-alive connection; its status."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.lower().split(b"\r\n")
                  if line.startswith(b"content-length:"))  # fmt: skip
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split(b" ", 2)[1])


def status_and_body(answer: bytes) -> tuple[int, bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def closed(sock: socket.socket, wait: float) -> bool:
    readable, _, _ = select.select([sock], [], [], wait)
    return bool(readable)


def test_slow_headers_and_silent_connections_are_cut_at_the_deadline(server):
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        header = b"Host: x\r\nX-Slow: " + b"a" * 100
        for byte in header:  # one byte every 0.2 s: 20 s for the lot, were it allowed
            if closed(sock, 0.2):
                break
            sock.sendall(bytes([byte]))
        answer = read_all(sock)
        elapsed = time.monotonic() - started
    assert status_and_body(answer)[0] == 408
    assert DEADLINE * 0.9 <= elapsed < DEADLINE + SLACK, elapsed
    problem = json.loads(status_and_body(answer)[1])
    assert (
        problem["status"] == 408 and "OBSERVATORY_HTTP_HEADER_TIMEOUT_SECONDS" in problem["detail"]
    )

    with connect(server) as sock:
        started = time.monotonic()
        answer = read_all(sock)
        assert time.monotonic() - started < DEADLINE + SLACK
    assert status_and_body(answer)[0] == 408


def test_a_stalled_body_gets_408_and_the_connection_closes(server):
    with connect(server) as sock:
        sock.sendall(b"POST /v1/hooks/claude-code HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(HOOK) + HOOK[:20])  # fmt: skip
        started = time.monotonic()
        answer = read_all(sock)
        elapsed = time.monotonic() - started
    status, body = status_and_body(answer)
    assert status == 408
    assert elapsed < DEADLINE + SLACK
    assert b"application/problem+json" in answer.lower()
    assert "OBSERVATORY_HTTP_BODY_TIMEOUT_SECONDS" in json.loads(body)["detail"]


def send_until_answered(sock: socket.socket, data: bytes) -> bytes:
    """Sends in pieces, stopping as soon as the server answers (or hangs up), then reads."""
    for start in range(0, len(data), 16384):
        if closed(sock, 0):
            break
        try:
            sock.sendall(data[start : start + 16384])
        except (BrokenPipeError, ConnectionResetError):
            break
    return read_all(sock)


@pytest.mark.parametrize("shape", ["one huge header", "many headers"])
def test_a_mebibyte_of_headers_gets_431(server, shape):
    if shape == "one huge header":
        headers = b"X-Big: " + b"a" * (1 << 20) + b"\r\n"
    else:
        headers = b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 1000) for i in range(1024))
    with connect(server) as sock:
        answer = send_until_answered(
            sock, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n"
        )
    status, body = status_and_body(answer)
    assert status == 431
    assert "OBSERVATORY_HTTP_MAX_HEADER_BYTES" in json.loads(body)["detail"]


def test_well_behaved_requests_are_unaffected(server):
    get = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Fine: " + b"c" * 8000 + b"\r\n\r\n"
    with connect(server) as sock:
        sock.sendall(get)
        assert read_response(sock) == 200
        time.sleep(DEADLINE * 1.5)  # idle between requests: the keep-alive timeout governs
        sock.sendall(get)
        assert read_response(sock) == 200
        head = (b"POST /v1/hooks/claude-code HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(HOOK))  # fmt: skip
        sock.sendall(head + HOOK[:20])
        time.sleep(DEADLINE / 3)  # a body in two pieces, well within the deadline
        sock.sendall(HOOK[20:])
        assert read_response(sock) == 200
