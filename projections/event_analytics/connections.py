"""One analytics interface, two transports running the same SQL text.

``CanQueryClickHouse`` is what the view, the migrator and the queries talk to:

- ``EmbeddedClickHouse`` runs it in-process on chDB (the embedded default and the tests);
- ``ServerClickHouse`` sends it to a ClickHouse server over HTTP with clickhouse-connect.

Both take the same statements with ``{name:Type}`` parameters (bound by ClickHouse itself,
never spliced into the text), read answers in the same ``JSONCompact`` format and decode them
with the same function, so the adapters differ only in transport.

chDB runs one engine per process, rooted at one data path: a second path cannot be opened
while a session is alive. Entry points therefore create one ``ClickHouseConnections`` and ask
it for connections; it opens one chDB session per path and hands the same one to the
projector threads and the API. chDB sessions are not safe to share between threads, so
``EmbeddedClickHouse`` serialises every call with a lock.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # imported where rows are written: the API process only reads
    import pyarrow as pa

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_INTEGER_TYPE = re.compile(r"^(Nullable\()?U?Int(8|16|32|64|128|256)\)?$")

Params = Mapping[str, str | int | float | None]


class AnalyticsSettings(Protocol):
    """The part of ``infra.settings.Settings`` analytics reads (benchmarks pass a smaller one)."""

    @property
    def clickhouse_url(self) -> str | None: ...
    @property
    def clickhouse_database(self) -> str: ...
    @property
    def data_dir(self) -> Path: ...


class CanQueryClickHouse(Protocol):
    """A ClickHouse to run statements on, whatever carries them."""

    def execute(self, sql: str, params: Params | None = None) -> None:
        """Runs a statement that returns nothing (DDL, TRUNCATE, INSERT … VALUES)."""

    def select(self, sql: str, params: Params | None = None) -> list[list[Any]]:
        """Runs a query; rows as lists, integers as ``int`` (JSON keeps the rest)."""

    def insert(self, table: str, data: pa.Table) -> None:
        """Inserts ``data`` (its columns by name) into ``table`` (qualified, already checked)."""

    def exclusive(self) -> contextlib.AbstractContextManager[Any]:
        """Held while a read-check-write sequence must not interleave in this process."""

    def close(self) -> None: ...


def identifier(name: str) -> str:
    """A database or table name, checked so it can be written into SQL text."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a plain ClickHouse identifier")
    return name


def in_database(sql: str, database: str) -> str:
    """Statements name tables as ``{db}.table``; this fills in the (checked) database."""
    return sql.replace("{db}", identifier(database))


def decode(answer: bytes) -> list[list[Any]]:
    """Rows of a ``JSONCompact`` answer; 64-bit integers may come quoted, so the types say."""
    if not answer.strip():
        return []
    body = json.loads(answer)
    integers = [bool(_INTEGER_TYPE.match(c["type"])) for c in body.get("meta", [])]
    rows: list[list[Any]] = body.get("data", [])
    if any(integers):
        for row in rows:
            for i, is_int in enumerate(integers):
                if is_int and isinstance(row[i], str):
                    row[i] = int(row[i])
    return rows


def clickhouse_time(at: datetime) -> str:
    """A DateTime64(6, 'UTC') literal (ClickHouse's basic format) from an aware datetime."""
    if at.tzinfo is None:
        raise ValueError("analytics times must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def parse_time(text: str) -> datetime:
    """Reads a DateTime64(…, 'UTC') value as ClickHouse prints it."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


_ENGINE = {"background_pool_size": 1}
"""chDB's engine settings (it takes them in the session's path): merges on one thread, so they
take at most one of the cores the API and the projectors share. (chDB accepts but does not
apply ``os_threads_nice_value_merge_mutate``: its merge threads stay at nice 0, measured.)"""

_INSERT = {"optimize_on_insert": 0}
"""No merging of an insert's own rows: a batch never holds an event twice (queries read FINAL)."""

_EMBEDDED_INSERT = {**_INSERT, "materialize_skip_indexes_on_insert": 0}
"""Skip indexes are built when parts merge (which rebuilds them anyway), not for every tiny
part; ClickHouse servers older than 25 lack the setting, so only chDB (pinned) gets it."""


def _insert(table: str, data: pa.Table) -> str:
    names = ", ".join(map(identifier, data.schema.names))
    settings = ", ".join(f"{k} = {v}" for k, v in _EMBEDDED_INSERT.items())
    return f"INSERT INTO {table} ({names}) SETTINGS {settings}"


def _bound(params: Params | None) -> dict[str, Any]:
    return {} if params is None else dict(params)


class EmbeddedClickHouse:
    """chDB in this process; every call under one lock (the session is not thread-safe)."""

    def __init__(self, path: Path) -> None:
        from chdb import session

        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        open_session: Any = session.Session  # chDB's Python API is untyped
        engine = "&".join(f"{k}={v}" for k, v in _ENGINE.items())
        self._session: Any = open_session(f"{path}?{engine}")
        self._lock = threading.RLock()

    def execute(self, sql: str, params: Params | None = None) -> None:
        with self._lock:
            self._session.query(sql, "JSONCompact", params=_bound(params))

    def select(self, sql: str, params: Params | None = None) -> list[list[Any]]:
        with self._lock:
            result = self._session.query(sql, "JSONCompact", params=_bound(params))
            return decode(result.bytes())

    def insert(self, table: str, data: pa.Table) -> None:
        import pyarrow as pa

        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, data.schema) as writer:
            writer.write_table(data)
        with self._lock, self._session.send_insert(_insert(table, data), "ArrowStream") as inserter:
            inserter.append(sink.getvalue().to_pybytes())
            inserter.finish()

    def exclusive(self) -> contextlib.AbstractContextManager[Any]:
        return self._lock

    def close(self) -> None:
        with self._lock:
            self._session.close()


class ServerClickHouse:
    """A ClickHouse server over HTTP (clickhouse-connect). No server session is used, so the
    projector thread and API requests may query at once (a shared session id would make the
    server refuse concurrent queries). ``exclusive`` only orders this process's writers; across
    processes one runner per projection leads (the workers' PostgreSQL advisory lock)."""

    def __init__(self, url: str) -> None:
        import clickhouse_connect

        self._client = clickhouse_connect.get_client(dsn=url, autogenerate_session_id=False)
        self._lock = threading.RLock()

    def execute(self, sql: str, params: Params | None = None) -> None:
        self._client.command(sql, parameters=_bound(params))

    def select(self, sql: str, params: Params | None = None) -> list[list[Any]]:
        return decode(self._client.raw_query(sql, parameters=_bound(params), fmt="JSONCompact"))

    def insert(self, table: str, data: pa.Table) -> None:
        self._client.insert_arrow(table, data, settings=_INSERT)

    def exclusive(self) -> contextlib.AbstractContextManager[Any]:
        return self._lock

    def close(self) -> None:
        self._client.close()


class ClickHouseConnections:
    """Connections an entry point hands out: one per chDB path (shared by every thread of the
    process) or per server URL. Create one per process, in the entry point; close it on exit."""

    def __init__(self) -> None:
        self._open: dict[str, CanQueryClickHouse] = {}
        self._lock = threading.Lock()

    def get(self, settings: AnalyticsSettings) -> CanQueryClickHouse:
        key = settings.clickhouse_url or str(embedded_path(settings).resolve())
        with self._lock:
            found = self._open.get(key)
            if found is None:
                found = self._open[key] = open_clickhouse(settings)
            return found

    def close(self) -> None:
        with self._lock:
            for connection in self._open.values():
                with contextlib.suppress(Exception):
                    connection.close()
            self._open.clear()


def embedded_path(settings: AnalyticsSettings) -> Path:
    return settings.data_dir / "clickhouse"


def open_clickhouse(settings: AnalyticsSettings) -> CanQueryClickHouse:
    """A new connection: the configured server, else chDB in ``data_dir/clickhouse``."""
    if settings.clickhouse_url:
        return ServerClickHouse(settings.clickhouse_url)
    return EmbeddedClickHouse(embedded_path(settings))


@contextlib.contextmanager
def borrowed(
    settings: AnalyticsSettings, connections: ClickHouseConnections | None
) -> Iterator[CanQueryClickHouse]:
    """The shared connection when there is a cache, else a private one closed afterwards."""
    if connections is not None:
        yield connections.get(settings)
        return
    connection = open_clickhouse(settings)
    try:
        yield connection
    finally:
        connection.close()
