"""A local incoming-webhook endpoint (Slack, Discord) for notification tests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """Records every post; each path in ``fail_first`` answers 500 to its first post, then 200."""

    def __init__(self, fail_first: tuple[str, ...] = ()) -> None:
        self.posts: list[tuple[str, int, dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.delivered = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.lock:
                    first = not any(p[0] == self.path for p in receiver.posts)
                    status = 500 if self.path in fail_first and first else 200
                    receiver.posts.append((self.path, status, body))
                    receiver.delivered.notify_all()
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ok(self, path: str) -> list[dict[str, Any]]:
        return [body for p, status, body in self.posts if p == path and status == 200]

    def wait_for(self, paths: tuple[str, ...], timeout: float = 30) -> None:
        with self.lock:
            assert self.delivered.wait_for(lambda: all(self.ok(p) for p in paths), timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
