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
from projections.usage.counts import COUNTS, truncate
from projections.usage.projection import UsageChanges, UsageRecord

if TYPE_CHECKING:
    import pyarrow as pa

NAME = "usage_analytics"
TABLES = ("usage_calls", "usage_hour", "usage_sessions")
CALL_COLUMNS = (
    "tenant_id", "event_id", "position", "at", "session_id", "user_id", "team", "project",
    "agent", "model", *COUNTS,
)  # fmt: skip

_PROJECTS = """
SELECT session_id, project FROM {db}.usage_sessions FINAL
WHERE tenant_id = {tenant:String}
  AND has(JSONExtract({sessions:String}, 'Array(String)'), session_id)
"""
_HOURS = f"""
INSERT INTO {{db}}.usage_hour
SELECT tenant_id, toStartOfHour(at) AS hour, team, user_id, project, agent, model, session_id,
       {", ".join(f"sum({c})" for c in COUNTS)}, {{revision:UInt64}}
FROM {{db}}.usage_calls FINAL
WHERE tenant_id = {{tenant:String}} AND at >= {{since:DateTime64(6, 'UTC')}}
  AND at < {{until:DateTime64(6, 'UTC')}}
  AND has(arrayMap(h -> toDateTime(h, 'UTC'), JSONExtract({{hours:String}}, 'Array(String)')),
          toStartOfHour(at))
GROUP BY tenant_id, hour, team, user_id, project, agent, model, session_id
"""  # noqa: S608 - column names are constants
"""Values go in as JSON text: chDB binds no array parameters."""


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
                self._recompute_hours(changes.records, end)
            self._positions.move_to(end)

    def reset(self) -> None:
        with self._conn.exclusive():
            self._positions.move_to(0)
            for table in TABLES:
                self._conn.execute(f"TRUNCATE TABLE IF EXISTS {self._table(table)}")

    def _projects(self, changes: UsageChanges) -> dict[tuple[str, str], str]:
        """Stores the batch's first-seen projects the store lacks, and returns the stored
        project of every session the batch's calls name."""
        wanted: defaultdict[str, set[str]] = defaultdict(set)
        for tenant, session in changes.projects:
            wanted[tenant].add(session)
        for r in changes.records:
            wanted[r.tenant_id].add(r.session_id)
        stored: dict[tuple[str, str], str] = {}
        for tenant, sessions in wanted.items():
            params = {"tenant": tenant, "sessions": json.dumps(sorted(sessions))}
            rows = self._conn.select(in_database(_PROJECTS, self._db), params)
            stored.update({(tenant, str(s)): str(p) for s, p in rows})
        new = {k: p for k, p in changes.projects.items() if k not in stored}
        if new:
            import pyarrow as pa

            keys = list(new)
            self._conn.insert(self._table("usage_sessions"), pa.table({
                "tenant_id": [k[0] for k in keys], "session_id": [k[1] for k in keys],
                "project": [new[k] for k in keys],
            }))  # fmt: skip
            stored.update(new)
        return stored

    def _recompute_hours(self, records: list[UsageRecord], revision: int) -> None:
        hours: defaultdict[str, set[datetime]] = defaultdict(set)
        for r in records:
            hours[r.tenant_id].add(truncate(r.at.astimezone(UTC), "hour"))
        for tenant, touched in hours.items():
            self._conn.execute(in_database(_HOURS, self._db), {
                "tenant": tenant, "revision": revision,
                "since": clickhouse_time(min(touched)),
                "until": clickhouse_time(max(touched) + timedelta(hours=1)),
                "hours": json.dumps([h.strftime("%Y-%m-%d %H:%M:%S") for h in sorted(touched)]),
            })  # fmt: skip

    def _table(self, table: str) -> str:
        return f"{self._db}.{identifier(table)}"


def call_table(records: list[UsageRecord], projects: dict[tuple[str, str], str]) -> pa.Table:
    """The calls as one Arrow table (the insert format both transports take)."""
    import pyarrow as pa

    columns: dict[str, list[Any]] = {name: [] for name in CALL_COLUMNS}
    for r in records:
        project = projects.get((r.tenant_id, r.session_id)) or r.project
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
