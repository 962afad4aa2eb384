"""Usage queries on ClickHouse (the same ``UsageAsk`` and rows as PostgreSQL's), read with
``FINAL`` so a call or an hour written twice counts once.

Whole days and hours come from the narrowest rollup that holds the question's dimensions
(the widest keeps the session, so a session's cost is a rollup read too); the ragged ends and
per-minute buckets from ``usage_calls``. The client
blocks: async callers run these in a thread.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from projections.event_analytics.connections import (
    CanQueryClickHouse,
    clickhouse_time,
    identifier,
    in_database,
    parse_time,
)
from projections.usage.clickhouse_tables import GRAINS, rollup_table
from projections.usage.counts import COUNTS, Rollup, Unit
from projections.usage.queries import DIMENSIONS, MAX_ROWS, UsageAsk, UsageRow, row_of
from projections.usage.ranges import segments

_START = {"minute": "toStartOfMinute", "hour": "toStartOfHour", "day": "toStartOfDay"}
_EPOCH = "1970-01-01 00:00:00"
_SETTINGS = "SETTINGS do_not_merge_across_partitions_select_final = 1"
"""Both tables are partitioned by month of a sorting-key column: no row repeats across."""


class ClickHouseUsageQueries:
    def __init__(self, connection: CanQueryClickHouse, database: str) -> None:
        self._conn = connection
        self._db = identifier(database)

    def usage(self, ask: UsageAsk) -> list[UsageRow]:
        """As ``UsageQueries.usage``: buckets oldest first, then groups costliest first."""
        if not ask.tenant_id:
            raise ValueError("usage queries need a tenant")
        coarsest: Unit = ask.per or "day"
        needed: set[str] = {*([ask.by] if ask.by else []), *(ask.filters or {})}
        parts: list[str] = []
        params: dict[str, Any] = {"tenant": ask.tenant_id}
        filters = dict(ask.filters or {})
        for name, value in filters.items():
            params[f"f_{_dimension(name)}"] = value
        for i, (unit, start, end) in enumerate(
            segments(ask.since.astimezone(UTC), ask.until.astimezone(UTC), coarsest)
        ):
            table, time = _source(unit, needed)
            bucket = (f"toDateTime({_START[ask.per]}({time}), 'UTC')" if ask.per
                      else f"toDateTime('{_EPOCH}', 'UTC')")  # fmt: skip
            key = _dimension(ask.by) if ask.by else "''"
            # A rollup's bounds are whole hours: bound as its own column type, so the primary
            # key prunes (a DateTime64 bound against a DateTime column scanned every part).
            kind = "DateTime64(6, 'UTC')" if unit == "minute" else "DateTime('UTC')"
            where = ["tenant_id = {tenant:String}",
                     f"{time} >= {{s{i}:{kind}}}", f"{time} < {{e{i}:{kind}}}",
                     *(f"{_dimension(n)} = {{f_{n}:String}}" for n in filters)]  # fmt: skip
            bounds = (clickhouse_time(start), clickhouse_time(end))
            if unit != "minute":
                bounds = (f"{start:%Y-%m-%d %H:%M:%S}", f"{end:%Y-%m-%d %H:%M:%S}")
            params[f"s{i}"], params[f"e{i}"] = bounds
            parts.append(
                f"SELECT {bucket} AS b, {key} AS k, {', '.join(COUNTS)}"  # noqa: S608
                f" FROM {{db}}.{table} FINAL WHERE {' AND '.join(where)}"
            )  # names are checked constants, values are bound
        if not parts:
            return []
        order = "b, cost DESC, k" if ask.per else "cost DESC, k"
        sql = (
            f"SELECT b, k, {', '.join(f'sum({c})' for c in COUNTS[:-2])},"  # noqa: S608
            f" sum(cost_usd) AS cost, sum(duration_sum_ms)"
            f" FROM ({' UNION ALL '.join(parts)}) GROUP BY b, k ORDER BY {order}"
            f" LIMIT {min(ask.first, MAX_ROWS):d} {_SETTINGS}"
        )
        rows = self._conn.select(in_database(sql, self._db), params)
        keyed = ask.by is not None
        return [row_of(parse_time(r[0]) if ask.per else None, r[1], r[2:], keyed=keyed)
                for r in rows]  # fmt: skip


def _source(unit: Rollup, needed: set[str]) -> tuple[str, str]:
    """(table, its time column): the calls for minutes, else the narrowest rollup holding
    every dimension in ``needed``."""
    if unit == "minute":
        return "usage_calls", "at"
    grain = next(g for g, keys in GRAINS.items() if needed <= set(keys))
    return rollup_table(unit, grain), "bucket"


def _dimension(name: str) -> str:
    if name not in DIMENSIONS:
        raise ValueError(f"usage has no dimension {name!r}")
    return name
