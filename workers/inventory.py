"""Where Observatory keeps data: every store, registered here, and a way to read it all.

Personal data is redacted once, at ingest, so no store should ever hold it in the clear. This
registry is how that promise stays checkable as stores are added: each store registers a
``dump`` that yields everything it holds as text, ``observatory privacy scan`` runs the
detectors over all of it, and the privacy test walks every registered store with the corpus'
own personal data. A new store (ClickHouse, Redis, NATS, ML features, notifications) adds one
entry below and is covered from then on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from infra.database import connect
from infra.settings import Settings

Dump = Callable[[Settings, str], Iterator[tuple[str, str]]]
"""(settings, database URL) -> (where, text) for every record the store holds."""


@dataclass(frozen=True)
class DataStore:
    name: str
    description: str
    dump: Dump


def _text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str, ensure_ascii=False)


def dump_postgres(settings: Settings, url: str) -> Iterator[tuple[str, str]]:
    """Every row of every table in Observatory's schema (new tables are included as they come)."""
    with connect(url, settings.database_schema, autocommit=False) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s"
            " AND table_type = 'BASE TABLE' ORDER BY table_name", (settings.database_schema,),
        ).fetchall()]  # fmt: skip
        for table in tables:
            with conn.cursor(name=f"dump_{table}") as cursor:
                cursor.itersize = 1_000
                cursor.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))
                for number, row in enumerate(cursor):
                    yield f"postgresql:{table}#{number}", " | ".join(_text(v) for v in row)


STORES: dict[str, DataStore] = {
    "postgresql": DataStore(
        "postgresql",
        "event store, snapshots, idempotency replies, quarantine, keys, read models",
        dump_postgres,
    ),
}


def dump_redis(settings: Settings, _url: str) -> Iterator[tuple[str, str]]:
    """Every live-state key under the prefix (nothing when Redis is not configured)."""
    if not settings.redis_url:
        return
    from infra.redis_connections import redis_client

    client = redis_client(settings)
    try:
        for key in client.scan_iter(match=f"{settings.redis_prefix}:*", count=1_000):
            kind = client.type(key)
            if kind == "hash":
                value: Any = client.hgetall(key)
            elif kind == "stream":
                value = client.xrange(key)
            elif kind == "zset":
                value = client.zrange(key, 0, -1)
            elif kind == "string":
                value = client.get(key)
            else:
                value = kind
            yield f"redis:{key}", f"{key} {_text(value)}"
    finally:
        client.close()


STORES["redis"] = DataStore("redis", "live state (a cache of the log)", dump_redis)


def dump_clickhouse(settings: Settings, url: str) -> Iterator[tuple[str, str]]:
    """Every row of the analytics tables (chDB in data_dir, or the configured server)."""
    from projections.event_analytics.connections import embedded_path
    from projections.event_analytics.dump import dump_clickhouse as dump
    from workers.analytics import clickhouse

    if not settings.clickhouse_url and not embedded_path(settings).exists():
        return  # no analytics yet (and opening chDB here would create an empty one)
    yield from dump(settings, url, clickhouse())


def dump_nats(settings: Settings, url: str) -> Iterator[tuple[str, str]]:
    """Every message in the JetStream stream (nothing when NATS is not configured)."""
    from infra.nats import dump_nats as dump

    yield from dump(settings, url)


STORES["clickhouse"] = DataStore("clickhouse", "analytics: every event, redacted", dump_clickhouse)
STORES["nats"] = DataStore("nats", "the event stream (JetStream)", dump_nats)
