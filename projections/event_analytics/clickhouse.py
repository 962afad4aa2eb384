"""The event analytics view in ClickHouse (a server, or chDB in-process): rows, then position.

ClickHouse has no transaction spanning the rows and the position, so the effect is made
exactly-once instead of the write:

1. ``apply`` refuses a batch unless the stored position is where the batch starts
   (``StalePositionError``), like every PostgreSQL view;
2. it inserts the batch's rows, then records the new position;
3. a crash between 2's two writes leaves the position behind, so the same events are applied
   again; each row is a function of its event alone and the table's sorting key ends with the
   event id, so ReplacingMergeTree collapses the repeats;
4. every query reads with ``FINAL``, so answers are exact even before a merge happens.

The position is kept in ClickHouse too (``analytics_positions``), as one row per move with a
growing revision; ``argMax(position, revision)`` is the position, whatever has been merged.
``reset`` records position 0 *before* emptying the table, so a crash in between leaves a view
that replays into the old rows (collapsed), never an empty table claiming to be current.

Within a process ``exclusive()`` keeps two threads from interleaving check and write; across
processes one runner per projection leads (the workers' PostgreSQL advisory lock).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from infra.tracking import StalePositionError
from projections.event_analytics.connections import (
    AnalyticsSettings,
    CanQueryClickHouse,
    ClickHouseConnections,
    clickhouse_time,
    identifier,
    in_database,
    open_clickhouse,
)
from projections.event_analytics.migrator import migrate_clickhouse
from projections.event_analytics.projection import COLUMNS, NAME, AnalyticsRows

if TYPE_CHECKING:  # imported by the writer only: the API process reads, and pyarrow is heavy
    import pyarrow as pa

TABLES = ("analytics_events",)

_POSITION = """
SELECT argMax(position, revision), max(revision)
FROM {db}.analytics_positions WHERE name = {name:String}
"""

_ADVANCE = """
INSERT INTO {db}.analytics_positions (name, position, revision, updated_at)
VALUES ({name:String}, {position:UInt64}, {revision:UInt64}, {at:DateTime64(6, 'UTC')})
"""


class ClickHouseEventAnalyticsView:
    """``CanStoreView`` over any ``CanQueryClickHouse``; expects the migrations applied."""

    def __init__(self, connection: CanQueryClickHouse, database: str, name: str = NAME) -> None:
        self._conn = connection
        self._db = identifier(database)
        self._name = name

    def position(self) -> int:
        return self._stored()[0]

    def apply(self, changes: AnalyticsRows, start: int, end: int) -> None:
        with self._conn.exclusive():
            current, revision = self._stored()
            if current != start:
                raise StalePositionError(f"{self._name} is at {current}, batch starts at {start}")
            if changes.values:
                self._conn.insert(self._table("analytics_events"), arrow_table(changes))
            self._advance(end, revision + 1)

    def move_to(self, position: int) -> None:
        """Records ``position`` as where the view named ``name`` stands; for other views that
        keep their position here (the caller holds ``exclusive()``)."""
        self._advance(position, self._stored()[1] + 1)

    def reset(self) -> None:
        with self._conn.exclusive():
            _, revision = self._stored()
            self._advance(0, revision + 1)
            for table in TABLES:
                self._conn.execute(f"TRUNCATE TABLE IF EXISTS {self._table(table)}")

    def _stored(self) -> tuple[int, int]:
        rows = self._conn.select(in_database(_POSITION, self._db), {"name": self._name})
        if not rows or rows[0][1] in (None, 0):
            return 0, 0
        return int(rows[0][0]), int(rows[0][1])

    def _advance(self, position: int, revision: int) -> None:
        self._conn.execute(
            in_database(_ADVANCE, self._db),
            {"name": self._name, "position": position, "revision": revision,
             "at": clickhouse_time(datetime.now(UTC))},
        )  # fmt: skip

    def _table(self, table: str) -> str:
        return f"{self._db}.{identifier(table)}"


@cache
def arrow_schema() -> pa.Schema:
    """The insert's Arrow schema; ClickHouse casts String to UUID and LowCardinality itself."""
    import pyarrow as pa

    types = {"position": pa.uint64(), "at": pa.timestamp("us", tz="UTC"),
             "duration_ms": pa.float64(), "redacted": pa.list_(pa.string())}  # fmt: skip
    return pa.schema([(name, types.get(name, pa.string())) for name in COLUMNS])


def arrow_table(changes: AnalyticsRows) -> pa.Table:
    """The batch as one Arrow table: the insert format both transports take (columnar, so
    neither side encodes or parses a row at a time)."""
    import pyarrow as pa

    schema = arrow_schema()
    columns = zip(*changes.values, strict=True)
    arrays = [_array(values, field.type) for values, field in zip(columns, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


def _array(values: tuple[Any, ...], kind: pa.DataType) -> pa.Array:
    import pyarrow as pa

    try:
        return pa.array(values, type=kind)
    except UnicodeEncodeError:
        # Lone surrogates never pass ingest; replacing one keeps it from blocking the projector.
        return pa.array([_replaced(v) for v in values], type=kind)


def _replaced(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", errors="replace").decode("utf-8")
    if isinstance(value, list):
        return [_replaced(v) for v in value]
    return value


def event_analytics_view(
    settings: AnalyticsSettings,
    connections: ClickHouseConnections | None = None,
    *,
    migrate: bool = True,
) -> ClickHouseEventAnalyticsView:
    """The view as configured: a ClickHouse server when ``clickhouse_url`` is set, else chDB in
    ``data_dir/clickhouse``. Pass the process's ``ClickHouseConnections`` so the projector
    and the API share one chDB session; without it the view owns a fresh connection."""
    connection = connections.get(settings) if connections else open_clickhouse(settings)
    if migrate:
        migrate_clickhouse(connection, settings.clickhouse_database)
    return ClickHouseEventAnalyticsView(connection, settings.clickhouse_database)
