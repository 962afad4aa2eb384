"""The process's ClickHouse connections (one chDB session per path, shared by the projector
threads and the API of ``observatory up``), created on first use and closed on exit."""

from __future__ import annotations

import atexit
import threading

from projections.event_analytics.connections import ClickHouseConnections

_lock = threading.Lock()
_connections: ClickHouseConnections | None = None


def clickhouse() -> ClickHouseConnections:
    global _connections  # noqa: PLW0603 - one cache per process, by design
    with _lock:
        if _connections is None:
            _connections = ClickHouseConnections()
            atexit.register(_connections.close)
        return _connections


def close_clickhouse() -> None:
    """Closes every open connection (chDB lets a process hold one data path at a time)."""
    with _lock:
        if _connections is not None:
            _connections.close()
