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
    assert call == ("Bash", "PENDING")


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
