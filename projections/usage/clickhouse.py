"""The usage view in ClickHouse (a server, or chDB in-process): a row per model call, and an
hourly rollup recomputed from those rows, then the position.

Exactly once the way ``event_analytics`` does it (its module docstring): ``apply`` refuses a
batch unless the stored position is where it starts; a crash before the position moves
replays the batch; replayed call rows collapse under ``FINAL`` (ReplacingMergeTree by event
id), and every (tenant, hour) the batch touched is recomputed from the calls, with the batch's
end as revision, so a replay rewrites the same sums instead of adding them again. The position
is a row of ``analytics_positions`` under this projection's own name.

Order within a batch: session projects, call rows, the hours' sums, the position. Each step
reads only what the steps before wrote, so a crash between any two leaves nothing a replay
does not rewrite.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from infra.tracking import StalePositionError
from projections.event_analytics.clickhouse import ClickHouseEventAnalyticsView
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
from projections.usage.clickhouse_tables import GRAINS, ROLLUPS, rollup_table
from projections.usage.counts import COUNTS, Unit, truncate
from projections.usage.projection import SessionProject, UsageChanges, UsageRecord, project_for

if TYPE_CHECKING:
    import pyarrow as pa

NAME = "usage_analytics"
TABLES = (
    "usage_calls",
    "usage_sessions",
    "usage_hour",
    "usage_hour_by_user",
    "usage_hour_by_team",
    "usage_day",
    "usage_day_by_user",
    "usage_day_by_team",
)
CALL_COLUMNS = (
    "tenant_id", "event_id", "position", "at", "session_id", "user_id", "team", "project",
    "agent", "model", *COUNTS,
)  # fmt: skip

_PROJECTS = """
SELECT session_id, project, position FROM {db}.usage_sessions FINAL
WHERE tenant_id = {tenant:String}
  AND has(JSONExtract({sessions:String}, 'Array(String)'), session_id)
"""


def _recompute(unit: Unit, grain: str, source: str) -> str:
    time = "at" if source == "usage_calls" else "bucket"
    start = {"hour": "toStartOfHour", "day": "toStartOfDay"}[unit]
    keys = ", ".join(GRAINS[grain])
    return f"""
INSERT INTO {{db}}.{rollup_table(unit, grain)}
SELECT tenant_id, toDateTime({start}({time}), 'UTC') AS b, {keys},
       {", ".join(f"sum({c})" for c in COUNTS)}, {{revision:UInt64}}
FROM {{db}}.{source} FINAL
WHERE tenant_id = {{tenant:String}} AND {time} >= {{since:DateTime64(6, 'UTC')}}
  AND {time} < {{until:DateTime64(6, 'UTC')}}
  AND has(arrayMap(h -> toDateTime(h, 'UTC'), JSONExtract({{buckets:String}}, 'Array(String)')), b)
GROUP BY tenant_id, b, {keys}
SETTINGS do_not_merge_across_partitions_select_final = 1
"""  # noqa: S608 - names are constants


_RECOMPUTE = [(unit, _recompute(unit, grain, source)) for unit, grain, source in ROLLUPS]
"""Values go in as JSON text: chDB binds no array parameters."""
_STEP: dict[Unit, timedelta] = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


class ClickHouseUsageView:
    """``CanStoreView`` over any ``CanQueryClickHouse``; expects the migrations applied."""

    def __init__(self, connection: CanQueryClickHouse, database: str, name: str = NAME) -> None:
        self._conn = connection
        self._db = identifier(database)
        self._name = name
        # Position bookkeeping is event_analytics' (same table, this projection's row).
        self._positions = ClickHouseEventAnalyticsView(connection, database, name)

    def position(self) -> int:
        return self._positions.position()

    def apply(self, changes: UsageChanges, start: int, end: int) -> None:
        with self._conn.exclusive():
            current = self._positions.position()
            if current != start:
                raise StalePositionError(f"{self._name} is at {current}, batch starts at {start}")
            projects = self._projects(changes)
            if changes.records:
                rows = call_table(changes.records, projects)
                self._conn.insert(self._table("usage_calls"), rows)
                self._recompute(changes.records, end)
            self._positions.move_to(end)

    def reset(self) -> None:
        with self._conn.exclusive():
            self._positions.move_to(0)
            for table in TABLES:
                self._conn.execute(f"TRUNCATE TABLE IF EXISTS {self._table(table)}")

    def _projects(self, changes: UsageChanges) -> dict[tuple[str, str], SessionProject]:
        """Stores the batch's first-seen projects the store lacks, and returns the stored
        project of every session the batch's calls name."""
        wanted: defaultdict[str, set[str]] = defaultdict(set)
        for tenant, session in changes.projects:
            wanted[tenant].add(session)
        for r in changes.records:
            wanted[r.tenant_id].add(r.session_id)
        stored: dict[tuple[str, str], SessionProject] = {}
        for tenant, sessions in wanted.items():
            params = {"tenant": tenant, "sessions": json.dumps(sorted(sessions))}
            rows = self._conn.select(in_database(_PROJECTS, self._db), params)
            stored.update({(tenant, str(s)): (str(p), int(at)) for s, p, at in rows})
        new = {k: p for k, p in changes.projects.items() if k not in stored}
        if new:
            import pyarrow as pa

            keys = list(new)
            self._conn.insert(self._table("usage_sessions"), pa.table({
                "tenant_id": [k[0] for k in keys], "session_id": [k[1] for k in keys],
                "project": [new[k][0] for k in keys],
                "position": pa.array([new[k][1] for k in keys], pa.uint64()),
            }))  # fmt: skip
            stored.update(new)
        return stored

    def _recompute(self, records: list[UsageRecord], revision: int) -> None:
        """Every rollup bucket the batch touched, summed again from the finer table."""
        touched: defaultdict[tuple[str, Unit], set[datetime]] = defaultdict(set)
        for r in records:
            for unit in _STEP:
                touched[(r.tenant_id, unit)].add(truncate(r.at.astimezone(UTC), unit))
        for unit, sql in _RECOMPUTE:
            for (tenant, of), buckets in touched.items():
                if of != unit:
                    continue
                self._conn.execute(in_database(sql, self._db), {
                    "tenant": tenant, "revision": revision,
                    "since": clickhouse_time(min(buckets)),
                    "until": clickhouse_time(max(buckets) + _STEP[unit]),
                    "buckets": json.dumps([f"{b:%Y-%m-%d %H:%M:%S}" for b in sorted(buckets)]),
                })  # fmt: skip

    def _table(self, table: str) -> str:
        return f"{self._db}.{identifier(table)}"


def call_table(
    records: list[UsageRecord], projects: dict[tuple[str, str], SessionProject]
) -> pa.Table:
    """The calls as one Arrow table (the insert format both transports take)."""
    import pyarrow as pa

    columns: dict[str, list[Any]] = {name: [] for name in CALL_COLUMNS}
    for r in records:
        project = project_for(r, projects)
        values = (r.tenant_id, r.event_id, r.position, r.at, r.session_id, r.user_id, r.team,
                  project, r.agent, r.model, *r.counts.values())  # fmt: skip
        for name, value in zip(CALL_COLUMNS, values, strict=True):
            columns[name].append(value)
    types = {"position": pa.uint64(), "at": pa.timestamp("us", tz="UTC"),
             "calls": pa.uint32(), "errors": pa.uint32(), "cost_usd": pa.float64(),
             "duration_sum_ms": pa.float64()}  # fmt: skip
    tokens = {n: pa.uint64() for n in COUNTS if n.endswith("_tokens")}
    schema = pa.schema([(n, {**types, **tokens}.get(n, pa.string())) for n in CALL_COLUMNS])
    return pa.table(columns, schema=schema)


def usage_view(
    settings: AnalyticsSettings, connections: ClickHouseConnections | None = None,
    *, migrate: bool = True,
) -> ClickHouseUsageView:  # fmt: skip
    """The view as configured (a ClickHouse server or chDB, as ``event_analytics_view``)."""
    connection = connections.get(settings) if connections else open_clickhouse(settings)
    if migrate:
        migrate_clickhouse(connection, settings.clickhouse_database)
    return ClickHouseUsageView(connection, settings.clickhouse_database)
