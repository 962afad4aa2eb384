"""Everything the analytics store holds, as text, for the privacy walk (``workers.inventory``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from projections.event_analytics.connections import (
    AnalyticsSettings,
    ClickHouseConnections,
    borrowed,
    identifier,
)

_PAGE = 5_000


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def dump_clickhouse(
    settings: AnalyticsSettings, url: str, connections: ClickHouseConnections | None = None
) -> Iterator[tuple[str, str]]:
    """(where, text) for every stored row of every table in the analytics database, unmerged
    duplicates included (no FINAL: the walk reads what is on disk, not what queries see).

    ``url`` (the PostgreSQL URL every store's dump receives) is not used. Pass the process's
    ``ClickHouseConnections`` when a projector may hold the chDB session already.
    """
    del url
    db = identifier(settings.clickhouse_database)
    with borrowed(settings, connections) as conn:
        tables = conn.select(
            "SELECT name, sorting_key FROM system.tables WHERE database = {db:String}"
            " ORDER BY name",
            {"db": db},
        )
        for table, sorting_key in tables:
            order = f" ORDER BY {sorting_key}" if sorting_key else ""
            offset = 0
            while True:
                rows = conn.select(
                    f"SELECT * FROM {db}.{identifier(table)}{order}"  # noqa: S608 - checked names
                    " LIMIT {limit:UInt64} OFFSET {offset:UInt64}",
                    {"limit": _PAGE, "offset": offset},
                )
                for number, row in enumerate(rows, start=offset):
                    yield f"clickhouse:{table}#{number}", " | ".join(_text(v) for v in row)
                if len(rows) < _PAGE:
                    break
                offset += _PAGE
