"""The session timeline's adapters under one contract: whatever the adapter, a case reads the
rows it holds keyed like the in-memory view's, and on PostgreSQL every case also checks that
the in-memory view holds exactly the same rows (so its merge rules cannot drift from the SQL)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from projections.session_timeline import tables as t
from projections.session_timeline.memory import InMemorySessionTimelineView
from projections.session_timeline.projection import SessionTimelineProjection
from projections.session_timeline.view import SessionTimelineView

Rows = dict[tuple[Any, ...], dict[str, Any]]
KEYS = {
    t.sessions.name: ("tenant_id", "session_id"),
    t.events.name: ("tenant_id", "session_id", "position"),
    t.tool_calls.name: ("tenant_id", "session_id", "tool_use_id"),
    t.subagents.name: ("tenant_id", "session_id", "agent_id"),
}


@dataclass(frozen=True)
class TimelineRows:
    sessions: Rows
    events: Rows
    tool_calls: Rows
    subagents: Rows


def memory_rows(view: InMemorySessionTimelineView) -> TimelineRows:
    return TimelineRows(view.sessions, view.events, view.tool_calls, view.subagents)


def postgres_rows(conn: psycopg.Connection[Any]) -> TimelineRows:
    """Every row of the four tables as a dict (payload parsed, as the queries return it)."""
    found: dict[str, Rows] = {}
    for table, key in KEYS.items():
        cursor = conn.execute(f"SELECT * FROM {table}")
        names = [column.name for column in cursor.description or ()]
        rows = found[table] = {}
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            if table == t.events.name:  # kept as JSON text (migration 0011)
                row["payload"] = json.loads(row["payload"])
            rows[tuple(row[k] for k in key)] = row
    return TimelineRows(*(found[table] for table in KEYS))


def apply(view: SessionTimelineView, events: Sequence[tuple[int, object]],
          sizes: Sequence[int] = ()) -> None:  # fmt: skip
    """``events`` in batches of ``sizes`` (then in one), each from where the view stands."""
    projection, pending, index = SessionTimelineProjection(), list(sizes), 0
    while index < len(events):
        size = pending.pop(0) if pending else len(events)
        batch = events[index : index + size]
        view.apply(projection.changes(batch), view.position(), batch[-1][0])
        index += size


@dataclass
class TimelineUnderTest:
    """One adapter; ``project`` starts from an empty view."""

    view: SessionTimelineView
    rows: Callable[[], TimelineRows]
    checked_against_memory: bool

    def project(
        self, events: Sequence[tuple[int, object]], sizes: Sequence[int] = ()
    ) -> TimelineRows:
        self.view.reset()
        apply(self.view, events, sizes)
        held = self.rows()
        if self.checked_against_memory:
            memory = InMemorySessionTimelineView()
            apply(memory, events, sizes)
            assert memory_rows(memory) == held, "the in-memory view drifted from PostgreSQL"
        return held
