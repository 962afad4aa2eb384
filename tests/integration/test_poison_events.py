"""Whatever ingest accepts, every read model stores (or cuts to a documented length) and goes
on: NUL characters, 5,000-character identifiers. An event that still cannot be stored is
parked with an alert, and the projection goes on (docs/read-models.md)."""

from __future__ import annotations

import dataclasses
import json
import random
import string
import threading
import time
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from infra.database import connect
from infra.settings import Settings
from projections import storable
from projections.session_timeline.postgres import PostgresSessionTimelineView
from projections.session_timeline.projection import SessionTimelineProjection
from projections.session_timeline.view import NAME as TIMELINE
from projections.session_timeline.view import TimelineChanges
from tests.cleanup import delete_redis_keys
from workers import parking
from workers.bootstrap.projections import PROJECTIONS
from workers.bootstrap.projectors import runner
from workers.cli import main
from workers.projector import ProjectorRunner

HOOK = "/v1/hooks/claude-code"
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def every_store(settings: Settings) -> Any:
    """The settings with Redis on (a key prefix of this test's), so live state runs too."""
    configured = settings.replace(redis_url=REDIS_URL, redis_prefix=f"t-{settings.database_schema}")
    yield configured
    delete_redis_keys(REDIS_URL, f"{configured.redis_prefix}:*")


def post(client: Any, body: dict[str, Any]) -> None:
    response = client.post(HOOK, content=json.dumps(body))
    assert response.status_code == 200, response.text


def catch_up_every_projection(settings: Settings, url: str, store: Any) -> dict[str, int]:
    """Runs every projection to the log head (what its worker would do); its position."""
    reached = {}
    for spec in PROJECTIONS.values():
        if spec.enabled(settings):
            projector, conn = runner(spec, settings, url, store)
            with conn:
                reached[spec.name] = projector.catch_up()
                assert reached[spec.name] == projector.head(), spec.name
    return reached


def noise(length: int) -> str:
    """Text that does not compress (so an index row really holds ``length`` bytes)."""
    chosen = random.Random(length)
    return "".join(chosen.choice(string.ascii_letters + string.digits) for _ in range(length))


def test_nul_in_cwd_model_and_a_decision_is_stored_marked_by_every_projection(
    client, every_store, pg_url, store, db
):
    post(client, {"session_id": "s-nul", "hook_event_name": "SessionStart", "source": "startup",
                  "cwd": "/home/dana/led\u0000ger", "model": "claude\u0000opus",
                  "transcript_path": "/t\u0000.jsonl"})  # fmt: skip
    # The guardrail's message quotes the path it matched, NUL included.
    post(client, {"session_id": "s-nul", "hook_event_name": "PreToolUse", "tool_name": "Read",
                  "tool_use_id": "tu-nul", "cwd": "/home/dana/led\u0000ger",
                  "tool_input": {"file_path": "/home/dana/\u0000/.env"}})  # fmt: skip
    reached = catch_up_every_projection(every_store, pg_url, store)

    assert set(reached) >= {"session_timeline", "guardrails", "agent_metrics", "event_analytics",
                            "live_state"}  # fmt: skip
    mark = storable.NUL_MARK
    assert db.execute("SELECT cwd, project, model, transcript_path FROM timeline_sessions"
                      ).fetchone() == (f"/home/dana/led{mark}ger", f"led{mark}ger",
                                       f"claude{mark}opus", f"/t{mark}.jsonl")  # fmt: skip
    assert db.execute("SELECT project, model FROM agent_metrics_sessions").fetchone() == (
        f"led{mark}ger", f"claude{mark}opus")  # fmt: skip
    assert db.execute("SELECT sum(calls), sum(denials) FROM agent_metrics_minute").fetchone() == (
        1, 1)  # fmt: skip
    (message,) = db.execute("SELECT message FROM guardrail_decisions").fetchone()
    assert f"/home/dana/{mark}/.env" in message
    assert db.execute("SELECT count(*) FROM parked_events").fetchone() == (0,)


def test_5000_character_agent_type_model_and_project_are_cut_and_stored(
    client, settings, pg_url, store, db
):
    agent_type, model, project = noise(5000), noise(5001), noise(5002)
    post(client, {"session_id": "s-long", "hook_event_name": "SessionStart", "source": "startup",
                  "cwd": f"/src/{project}", "model": model})  # fmt: skip
    post(client, {"session_id": "s-long", "hook_event_name": "SubagentStart", "agent_id": "a-1",
                  "agent_type": agent_type})  # fmt: skip
    for hook in ("PreToolUse", "PostToolUse"):
        post(client, {"session_id": "s-long", "hook_event_name": hook, "agent_id": "a-1",
                      "agent_type": agent_type, "tool_name": "Bash", "tool_use_id": "tu-1",
                      "tool_input": {"command": "ls"}, "cwd": f"/src/{project}"})  # fmt: skip
    catch_up_every_projection(settings, pg_url, store)

    cut = storable.dimension(agent_type)
    assert cut is not None
    assert len(cut.encode()) <= storable.DIMENSION_MAX_BYTES
    assert cut.startswith(agent_type[:200])
    assert cut != storable.dimension(agent_type[:-1] + "!")  # long values stay apart
    assert db.execute("SELECT agent_type FROM timeline_subagents").fetchone() == (cut,)
    assert db.execute("SELECT DISTINCT agent FROM agent_metrics_minute WHERE calls > 0"
                      ).fetchall() == [(cut,)]  # fmt: skip
    assert db.execute("SELECT DISTINCT project, model FROM agent_metrics_hour").fetchall() == [
        (storable.dimension(project), storable.dimension(model))]  # fmt: skip
    assert db.execute("SELECT project, model, cwd FROM timeline_sessions").fetchone() == (
        storable.dimension(project), storable.dimension(model), f"/src/{project}")  # fmt: skip
    assert db.execute("SELECT count(*) FROM parked_events").fetchone() == (0,)


class BrokenForOneEvent(SessionTimelineProjection):
    """The timeline, except that the event at ``position`` yields a row that cannot be stored
    (a lone surrogate no encoding takes; stands for a cause nobody foresaw)."""

    def __init__(self, position: int) -> None:
        self.position = position

    def changes(self, events: Any) -> TimelineChanges:
        changes = super().changes(events)
        changes.events = [dataclasses.replace(row, hook="\udcff")
                          if row.position == self.position else row
                          for row in changes.events]  # fmt: skip
        return changes


def timeline_runner(
    settings: Settings, url: str, store: Any, conn: psycopg.Connection[Any], position: int
) -> ProjectorRunner:
    from workers.bootstrap.projectors import parking as make_parking

    return ProjectorRunner(
        TIMELINE, store, BrokenForOneEvent(position), PostgresSessionTimelineView(conn),
        batch_size=1_000, parking=(make_parking(settings, url), conn),
    )  # fmt: skip


def prompts(store: Any) -> list[int]:
    """Positions of the prompts in the log."""
    return [n.id for n in store.recorder.select_notifications(start=1, limit=1_000)
            if n.topic.endswith("PromptSubmitted")]  # fmt: skip


ALERTS = """{ alerts { edges { node { sessionId severity modelKind reason } } } }"""


def test_an_event_no_view_can_store_is_parked_with_an_alert_and_the_rest_goes_on(
    client, settings, pg_url, schema, store, db
):
    for i in range(9):
        post(client, {"session_id": "s-poison", "hook_event_name": "UserPromptSubmit",
                      "prompt": f"step {i}"})  # fmt: skip
    poison = prompts(store)[5]
    with connect(pg_url, schema, autocommit=True) as conn:
        projector = timeline_runner(settings, pg_url, store, conn, poison)
        projector.catch_up()  # the alert is appended to the log meanwhile
        assert projector.catch_up() == projector.head()

    assert db.execute("SELECT count(*) FROM timeline_events").fetchone() == (8,)
    assert db.execute("SELECT event_count FROM timeline_sessions").fetchone() == (8,)
    parked = db.execute("SELECT projection, position, tenant_id, session_id, error"
                        " FROM parked_events").fetchall()  # fmt: skip
    assert [row[:4] for row in parked] == [(TIMELINE, poison, "default", "s-poison")]
    assert "UnicodeEncodeError" in parked[0][4]

    catch_up_every_projection(settings, pg_url, store)  # the alert reaches its read model
    alerts = client.post("/graphql", json={"query": ALERTS}).json()["data"]["alerts"]["edges"]
    assert [a["node"]["modelKind"] for a in alerts] == ["PIPELINE"]
    alert = alerts[0]["node"]
    assert (alert["sessionId"], alert["severity"]) == ("s-poison", "WARNING")
    assert f"position {poison}" in alert["reason"]
    assert "observatory projections rebuild session_timeline" in alert["reason"]

    env = {"OBSERVATORY_DATABASE_URL": pg_url, "OBSERVATORY_DATABASE_SCHEMA": schema}
    status = CliRunner().invoke(main, ["projections", "status"], env=env)
    assert status.exit_code == 0, status.output
    line = next(ln for ln in status.output.splitlines() if "session_timeline" in ln)
    assert line.split("│")[5].strip() == "1", status.output  # the parked column

    # After the fix, a rebuild replays the parked event and forgets it.
    rebuilt = CliRunner().invoke(main, ["projections", "rebuild", TIMELINE, "--yes"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert db.execute("SELECT count(*) FROM timeline_events").fetchone() == (9,)
    assert db.execute("SELECT count(*) FROM parked_events").fetchone() == (0,)


def test_parking_again_is_harmless_and_raises_one_alert(client, settings, pg_url, schema, store,
                                                        db):  # fmt: skip
    post(client, {"session_id": "s-twice", "hook_event_name": "UserPromptSubmit", "prompt": "x"})
    (poison,) = prompts(store)
    with connect(pg_url, schema, autocommit=True) as conn:
        first = timeline_runner(settings, pg_url, store, conn, poison)
        first.catch_up()
        first.reset()  # a rebuild that still fails parks it again
        assert first.catch_up() == first.head()
    assert db.execute("SELECT position FROM parked_events").fetchall() == [(poison,)]
    raised = [e for e in store.recorder.select_notifications(start=1, limit=1000)
              if e.topic.endswith("Alert.Raised")]  # fmt: skip
    assert len(raised) == 1


class AlwaysBroken(SessionTimelineProjection):
    def changes(self, events: Any) -> TimelineChanges:
        changes = super().changes(events)
        changes.events = [dataclasses.replace(row, hook="\udcff")
                          for row in changes.events]  # fmt: skip
        return changes


def test_a_view_that_refuses_every_event_stops_parking_after_a_streak(
    client, settings, pg_url, schema, store, db
):
    for i in range(parking.STREAK_LIMIT + 5):
        post(client, {"session_id": "s-all", "hook_event_name": "UserPromptSubmit",
                      "prompt": f"{i}"})  # fmt: skip
    with connect(pg_url, schema, autocommit=True) as conn:
        projector = ProjectorRunner(
            TIMELINE,
            store,
            AlwaysBroken(),
            PostgresSessionTimelineView(conn),
            parking=(parking.Parking(), conn),
        )
        with pytest.raises(parking.PoisonStreakError, match="in a row"):
            projector.catch_up()
    assert db.execute("SELECT count(*) FROM parked_events").fetchone() == (parking.STREAK_LIMIT,)
    assert db.execute("SELECT count(*) FROM timeline_events").fetchone() == (0,)


def test_a_running_worker_parks_the_poison_event_and_keeps_projecting(
    client, settings, pg_url, store, db
):
    from workers.bootstrap.projections import ProjectionSpec
    from workers.bootstrap.projectors import worker

    post(client, {"session_id": "s-live", "hook_event_name": "UserPromptSubmit", "prompt": "a"})
    (poison,) = prompts(store)
    spec = ProjectionSpec(TIMELINE, "the timeline, broken for one event",
                          lambda: BrokenForOneEvent(poison),
                          lambda conn, _settings, _url: PostgresSessionTimelineView(conn))  # fmt: skip
    running = worker(spec, settings, pg_url, store)
    stop = threading.Event()
    thread = threading.Thread(target=running.run, args=(stop,))
    thread.start()
    try:
        post(client, {"session_id": "s-live", "hook_event_name": "Stop"})
        wait_for_position(db, TIMELINE, int(store.recorder.max_notification_id() or 0))
    finally:
        stop.set()
        thread.join(30)
    assert db.execute("SELECT position FROM parked_events").fetchall() == [(poison,)]
    assert db.execute("SELECT hook FROM timeline_events").fetchall() == [("Stop",)]


def wait_for_position(db: Any, name: str, position: int, seconds: float = 60.0) -> None:
    """Blocks on the projector's NOTIFY until ``name`` stands at ``position`` or beyond."""
    db.execute("LISTEN observatory_projections")
    deadline = time.monotonic() + seconds

    def stored() -> int:
        row = db.execute("SELECT position FROM projection_positions WHERE name = %s",
                         (name,)).fetchone()  # fmt: skip
        return int(row[0]) if row else 0

    while stored() < position:
        left = deadline - time.monotonic()
        assert left > 0, f"{name} stuck at {stored()}, waiting for {position}"
        for _ in db.notifies(timeout=min(left, 1.0), stop_after=1):
            pass


@pytest.mark.parametrize("target", [noise(5000), "s\u0000nul", "../etc"])
def test_a_quarantine_of_an_id_no_session_can_have_is_refused_and_changes_nothing(
    client, target, store
):
    before = store.recorder.max_notification_id()
    response = client.post("/v1/guardrails/quarantines",
                           json={"kind": "session", "id": target, "mode": "deny"})  # fmt: skip
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "1-128 characters" in response.json()["detail"]
    assert store.recorder.max_notification_id() == before
