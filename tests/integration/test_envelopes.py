"""POST /events takes the send_event.py envelope unchanged."""

from __future__ import annotations

from tests.conftest import CORPUS, S1


def envelope(name: str) -> bytes:
    return (CORPUS / "envelopes" / name).read_bytes()


def test_an_envelope_is_recorded_with_its_source_app(client, timeline, db):
    response = client.post("/events", content=envelope("disler_send_event_PreToolUse.json"))
    assert response.status_code == 200, response.text
    assert response.json()["hook_event_name"] == "PreToolUse"
    response = client.post("/events", content=envelope("disler_send_event_Stop_with_chat.json"))
    assert response.status_code == 200, response.text
    timeline.catch_up()
    row = db.execute(
        "SELECT source_app, event_count FROM timeline_sessions WHERE session_id = %s", (S1["id"],)
    ).fetchone()
    assert row == ("cc-hook-multi-agent-obvs", 2)
    call = db.execute("SELECT tool_name, status FROM timeline_tool_calls").fetchone()
    assert call == ("Bash", "DENIED")  # the default policy denies a force push to main


def test_an_envelopes_pre_tool_use_is_judged_and_the_ruling_recorded_with_it(client, store):
    response = client.post("/events", content=envelope("disler_send_event_PreToolUse.json"))
    assert response.status_code == 200, response.text
    assert response.headers["server-timing"].startswith("decide;dur=")
    stream = store.recorder.select_notifications(start=1, limit=1)[0].originator_id
    *_, requested, decided = store.events.get(stream)
    assert (type(requested).__name__, type(decided).__name__) == (
        "ToolCallRequested", "ToolCallDecided",
    )  # fmt: skip
    assert (decided.decision, decided.rule_id) == ("deny", "git_force_push_protected")
    assert decided.tool_use_id == "toolu_01Z8lTHp7zlclU4OEgqEMMtm"
    assert int(response.headers["observatory-position"]) == store.recorder.max_notification_id()


def test_a_redelivered_envelope_gets_the_first_answer_marked_replayed(client, store):
    body = envelope("disler_send_event_PreToolUse.json")
    first = client.post("/events", content=body, headers={"Idempotency-Key": "env-1"})
    again = client.post("/events", content=body, headers={"Idempotency-Key": "env-1"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["observatory-position"] == first.headers["observatory-position"]
    assert store.recorder.max_notification_id() == 3  # Opened, ToolCallRequested, its ruling


def test_an_envelope_without_payload_gets_the_reference_servers_error(client, store):
    response = client.post("/events", content=envelope("disler_send_event_missing_payload.json"))
    assert response.status_code == 400
    assert response.json()["error"] == "Missing required fields"
    assert response.json()["missing"] == ["payload"]
    assert not store.recorder.max_notification_id()


def test_an_envelope_whose_payload_names_another_session_is_refused(client, store):
    body = b'{"source_app": "a", "session_id": "s1", "hook_event_type": "Stop", "payload": {"session_id": "s2"}}'
    response = client.post("/events", content=body)
    assert response.status_code == 400
    assert response.json()["reason"] == "invalid_envelope"
    assert not store.recorder.max_notification_id()
