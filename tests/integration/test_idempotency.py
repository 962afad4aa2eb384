"""Idempotency-Key: a repeated key gets the first answer again and appends nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.conftest import session_files

HOOK = "/v1/hooks/claude-code"


def test_a_redelivered_request_gets_the_first_answer(client, store):
    body = session_files()[0].read_bytes()
    first = client.post(HOOK, content=body, headers={"Idempotency-Key": "abc-1"})
    again = client.post(HOOK, content=body, headers={"Idempotency-Key": "abc-1"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.content == first.content
    assert again.headers["observatory-position"] == first.headers["observatory-position"]
    assert again.headers["idempotent-replayed"] == "true"
    assert store.recorder.max_notification_id() == 2  # Opened + SessionStart


def test_a_key_reused_for_a_different_body_is_refused(client, store):
    files = session_files()
    client.post(HOOK, content=files[0].read_bytes(), headers={"Idempotency-Key": "abc-2"})
    response = client.post(
        HOOK, content=files[1].read_bytes(), headers={"Idempotency-Key": "abc-2"}
    )
    assert response.status_code == 422
    assert response.json()["reason"] == "idempotency_key_reused"
    assert store.recorder.max_notification_id() == 2


def test_concurrent_redeliveries_record_once(live_server, store):
    import httpx

    body = session_files()[2].read_bytes()
    with httpx.Client(base_url=live_server.base_url) as http, ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda _: http.post(HOOK, content=body, headers={"Idempotency-Key": "same"}),
                range(16),
            )
        )
    assert {a.status_code for a in answers} == {200}
    assert len({a.headers["observatory-position"] for a in answers}) == 1
    assert store.recorder.max_notification_id() == 2
