"""The agent metrics read model in PostgreSQL: minute rows, an hourly rollup, session facts.

With TimescaleDB the hourly rollup is a continuous aggregate and retention is a policy; on
plain PostgreSQL this view keeps both itself: one range partition per day of minute rows
(created as needed, dropped after ``retention_days``; minute rows older than that are not
written at all, so a rebuild ends where incremental projection does), and the hourly rollup
upserted in the same transaction as the minute rows and the position.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql

from projections.agent_metrics import histogram
from projections.agent_metrics.calls import CallKey, CallState, settle
from projections.agent_metrics.projection import NAME, MetricsChanges, MinuteCounts
from projections.agent_metrics.tables import COUNTS, hour_table, metadata, sessions
from projections.statements import insert
from projections.view_tracking import TrackedView

_ADD = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in COUNTS)

_SESSIONS = (
    insert(sessions, "s")
    + """
ON CONFLICT (tenant_id, session_id) DO UPDATE SET
    project = CASE WHEN s.project = '' THEN EXCLUDED.project ELSE s.project END,
    model = CASE WHEN EXCLUDED.model <> '' THEN EXCLUDED.model ELSE s.model END
"""
)
_FACTS = """
SELECT tenant_id, session_id, project, model FROM agent_metrics_sessions
WHERE (tenant_id, session_id) IN (SELECT * FROM unnest(%b::text[], %b::text[]))
"""
_CALLS = """
SELECT tenant_id, session_id, tool_use_id, ended, seen_at FROM agent_metrics_calls
WHERE (tenant_id, session_id, tool_use_id) IN
      (SELECT * FROM unnest(%b::text[], %b::text[], %b::text[]))
"""
_CALL = """
INSERT INTO agent_metrics_calls AS c (tenant_id, session_id, tool_use_id, ended, seen_at)
SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::timestamptz[])
ON CONFLICT (tenant_id, session_id, tool_use_id) DO UPDATE SET
    ended = EXCLUDED.ended, seen_at = GREATEST(c.seen_at, EXCLUDED.seen_at)
"""
_ROWS = (
    "unnest({keys}, %b::integer[], %b::integer[], %b::integer[], %b::integer[], %b::integer[],"
    " %b::integer[], %b::float8[], %b::text[]) AS r({names}, {counts}, durations)"
)
"""Rows as one array per column (one statement per batch, not one per row), durations as
array literals (a histogram per row; ``unnest`` would flatten a two-dimensional array)."""
_MINUTE_KEYS = ("tenant_id", "bucket", "project", "session_id", "agent", "model", "tool")
_HOUR_KEYS = ("tenant_id", "bucket", "project", "agent", "model", "tool")


def _rows(keys: tuple[str, ...]) -> str:
    types = ", ".join("%b::timestamptz[]" if k == "bucket" else "%b::text[]" for k in keys)
    return _ROWS.format(keys=types, names=", ".join(keys), counts=", ".join(COUNTS))


_MINUTE = f"""
INSERT INTO agent_metrics_minute AS t ({", ".join(_MINUTE_KEYS)}, {", ".join(COUNTS)}, durations)
SELECT {", ".join(f"r.{k}" for k in (*_MINUTE_KEYS, *COUNTS))}, r.durations::integer[]
FROM {_rows(_MINUTE_KEYS)}
ON CONFLICT (tenant_id, bucket, session_id, agent, tool) DO UPDATE SET
    {_ADD}, durations = hist_add(t.durations, EXCLUDED.durations),
    project = EXCLUDED.project, model = EXCLUDED.model
"""  # noqa: S608 - column names are constants
_HOUR = f"""
INSERT INTO agent_metrics_hour AS t ({", ".join(_HOUR_KEYS)}, {", ".join(COUNTS)}, durations)
SELECT {", ".join(f"r.{k}" for k in (*_HOUR_KEYS, *COUNTS))}, r.durations::integer[]
FROM {_rows(_HOUR_KEYS)}
ON CONFLICT (tenant_id, bucket, project, agent, model, tool) DO UPDATE SET
    {_ADD}, durations = hist_add(t.durations, EXCLUDED.durations)
"""  # noqa: S608


def _columns(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    """``rows`` (keys, counts, then the histogram) as the column arrays of ``_ROWS``."""
    columns = [list(column) for column in zip(*rows, strict=True)]
    columns[-2] = [float(total) for total in columns[-2]]  # one element type per array
    columns[-1] = ["{" + ",".join(map(str, h)) + "}" for h in columns[-1]]
    return columns


def _values(counts: MinuteCounts) -> tuple[Any, ...]:
    return (counts.calls, counts.completed, counts.failures, counts.denials, counts.asks,
            counts.subagents, counts.duration_sum_ms, counts.durations)  # fmt: skip


def _merge(into: MinuteCounts, counts: MinuteCounts) -> None:
    for name in COUNTS:
        setattr(into, name, getattr(into, name) + getattr(counts, name))
    histogram.merge(into.durations, counts.durations)


class PostgresAgentMetricsView(TrackedView):
    def __init__(
        self, conn: psycopg.Connection[Any], retention_days: int = 30, now: Any = None
    ) -> None:
        row = conn.execute("SELECT layout FROM agent_metrics_layout").fetchone()
        self.layout = str(row[0]) if row else "partitions"
        # With TimescaleDB the hourly rollup is a continuous aggregate: it follows the minutes.
        tables = tuple(
            name for name in metadata.tables
            if self.layout == "partitions" or name != hour_table.name
        )  # fmt: skip
        super().__init__(conn, NAME, tables)
        self._retention = timedelta(days=retention_days)
        self._now = now or (lambda: datetime.now(UTC))
        self._days: set[str] = set()
        self._pruned_at: datetime | None = None

    def apply(self, changes: MetricsChanges, start: int, end: int) -> None:
        known = set(self._days)
        try:
            self._apply(changes, start, end)
        except BaseException:
            # The partitions this batch created were rolled back with it: forget them, or
            # every later batch would skip creating them and fail ("no partition … found").
            self._days = known
            raise

    def _apply(self, changes: MetricsChanges, start: int, end: int) -> None:
        with self.batch(start, end) as cur:
            if changes.sessions:
                cur.executemany(_SESSIONS, [
                    {"tenant_id": t, "session_id": s, "project": f.project, "model": f.model}
                    for (t, s), f in changes.sessions.items()
                ])  # fmt: skip
            minutes = self._settle(cur, changes)
            if minutes:
                self._write(cur, minutes)
            self._prune(cur)

    def _settle(
        self, cur: psycopg.Cursor[Any], changes: MetricsChanges
    ) -> dict[tuple[Any, ...], MinuteCounts]:
        """The batch's minute counts, with each call's marks settled against the stored ones
        (read and written under the position lock: one writer)."""
        minutes: dict[tuple[Any, ...], MinuteCounts] = {}
        for key, counts in changes.minutes.items():
            _merge(minutes.setdefault(key, MinuteCounts()), counts)
        if not changes.calls:
            return minutes
        keys = list({mark.call for mark in changes.calls})
        stored: dict[CallKey, CallState] = {
            (t, s, c): CallState(ended, seen)
            for t, s, c, ended, seen in cur.execute(
                _CALLS, ([k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys])
            ).fetchall()
        }
        settled, states = settle(changes.calls, stored)
        for key, counts in settled.items():
            _merge(minutes.setdefault(key, MinuteCounts()), counts)
        items = list(states.items())  # one statement: a batch may name thousands of calls
        cur.execute(_CALL, ([k[0] for k, _ in items], [k[1] for k, _ in items],
                            [k[2] for k, _ in items], [s.ended for _, s in items],
                            [s.seen_at for _, s in items]))  # fmt: skip
        return minutes

    def _write(
        self, cur: psycopg.Cursor[Any], changes: dict[tuple[Any, ...], MinuteCounts]
    ) -> None:
        keys = {(k[0], k[2]) for k in changes}
        tenants, sessions = [k[0] for k in keys], [k[1] for k in keys]
        facts = {(r[0], r[1]): (r[2], r[3])
                 for r in cur.execute(_FACTS, (tenants, sessions)).fetchall()}  # fmt: skip
        horizon = self._now() - self._retention
        minutes: list[tuple[Any, ...]] = []
        hours: defaultdict[tuple[Any, ...], MinuteCounts] = defaultdict(MinuteCounts)
        for (tenant, minute, session, agent, tool), counts in changes.items():
            project, model = facts.get((tenant, session), ("", ""))
            if self.layout == "partitions":
                _merge(hours[(tenant, minute.replace(minute=0), project, agent, model, tool)],
                       counts)  # fmt: skip
                if minute < horizon:
                    continue  # past retention: the hourly rollup keeps it, minutes do not
                self._partition(cur, minute)
            minutes.append((tenant, minute, project, session, agent, model, tool,
                            *_values(counts)))  # fmt: skip
        if minutes:
            cur.execute(_MINUTE, _columns(minutes))
        if hours:
            cur.execute(_HOUR, _columns([(*key, *_values(c)) for key, c in hours.items()]))

    def _partition(self, cur: psycopg.Cursor[Any], minute: datetime) -> None:
        day = minute.astimezone(UTC).strftime("%Y%m%d")
        if day in self._days:
            return
        start = minute.astimezone(UTC).replace(hour=0, minute=0)
        cur.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} PARTITION OF agent_metrics_minute"
                " FOR VALUES FROM ({}) TO ({})"
            ).format(
                sql.Identifier(f"agent_metrics_minute_p{day}"),
                sql.Literal(start),
                sql.Literal(start + timedelta(days=1)),
            )
        )
        self._days.add(day)

    def _prune(self, cur: psycopg.Cursor[Any]) -> None:
        """Forgets calls and drops day partitions past retention (at most once an hour)."""
        now = self._now()
        if self._pruned_at is not None and now - self._pruned_at < timedelta(hours=1):
            return
        self._pruned_at = now
        cur.execute("DELETE FROM agent_metrics_calls WHERE seen_at < %s", (now - self._retention,))
        if self.layout != "partitions":
            return  # TimescaleDB's retention policy drops chunks
        cutoff = (now - self._retention).strftime("%Y%m%d")
        for (name,) in cur.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'agent_metrics_minute'::regclass"
        ).fetchall():
            day = str(name).rpartition("_p")[2]
            if day.isdigit() and day < cutoff:
                cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
                self._days.discard(day)
