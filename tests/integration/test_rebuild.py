"""A rebuilt timeline equals the incremental one; the PostgreSQL view equals the in-memory one."""

from __future__ import annotations

import json
from typing import Any

from commands.ingest.service import Ingestor
from infra.database import eventsourcing_env
from projections.session_timeline.memory import InMemorySessionTimelineView
from projections.session_timeline.projection import SessionTimelineProjection
from tests.conftest import S1, session_files
from tests.contract.timeline_views import memory_rows, postgres_rows
from tests.unit.timeline_fixtures import hook_command

TABLES = {
    "timeline_sessions": "tenant_id, session_id",
    "timeline_events": "tenant_id, session_id, position",
    "timeline_tool_calls": "tenant_id, session_id, tool_use_id",
    "timeline_subagents": "tenant_id, session_id, agent_id",
}


def dump(db) -> dict[str, list[tuple[Any, ...]]]:
    return {
        t: db.execute(f"SELECT * FROM {t} ORDER BY {key}").fetchall() for t, key in TABLES.items()
    }


def fill(pg_url: str, schema: str) -> None:
    """The corpus session, an old-client session and many small ones, in several commits."""
    ingestor = Ingestor(eventsourcing_env(pg_url, schema, 2))
    texts = [p.read_text() for p in session_files()]
    for start in range(0, len(texts), 7):
        ingestor.record([hook_command(t, i) for i, t in enumerate(texts[start : start + 7], start)])
    old = [
        {"hook_event_name": "SubagentStart", "agent_id": "old-1", "agent_type": "Plan"},
        {"hook_event_name": "PreToolUse", "tool_name": "Read", "tool_use_id": "o1"},
        {
            "hook_event_name": "PostToolUse",
            "tool_name": "Read",
            "tool_use_id": "o1",
            "duration_ms": 3,
        },
        {"hook_event_name": "SubagentStop"},
        {"hook_event_name": "SessionEnd", "reason": "other"},
    ]
    ingestor.record(
        [hook_command(json.dumps({"session_id": "old-client", **h}), i) for i, h in enumerate(old)]
    )
    many = [
        json.dumps(
            {
                "session_id": f"s{n % 13}",
                "hook_event_name": "PreToolUse",
                "tool_name": "Bash",
                "tool_use_id": f"m{n}",
                "cwd": f"/src/p{n % 3}",
            }
        )
        for n in range(300)
    ]
    for start in range(0, 300, 50):
        ingestor.record([hook_command(t, i) for i, t in enumerate(many[start : start + 50])])
    ingestor.close()


def test_rebuild_equals_the_incremental_view(pg_url, schema, timeline, db):
    fill(pg_url, schema)
    timeline.catch_up()  # incremental, in batches of 17
    incremental = dump(db)
    assert len(incremental["timeline_events"]) == 48 + 5 + 300
    timeline.rebuild()
    assert dump(db) == incremental
    inferred = db.execute(
        "SELECT agent_id, attribution FROM timeline_tool_calls WHERE tool_use_id = 'o1'"
    ).fetchone()
    assert inferred == ("old-1", "inferred")


def test_the_postgres_view_holds_what_the_in_memory_view_holds(pg_url, schema, timeline, db, store):
    fill(pg_url, schema)
    timeline.catch_up()
    notifications = store.recorder.select_notifications(start=1, limit=10_000)
    memory = InMemorySessionTimelineView()
    events = [(n.id, store.mapper.to_domain_event(n)) for n in notifications]
    memory.apply(SessionTimelineProjection().changes(events), 0, events[-1][0])
    assert postgres_rows(db) == memory_rows(memory)
    assert memory.sessions[("default", S1["id"])]["event_count"] == 48
