"""Personal data at ingest: redacted in the event, sealed with the session's key, erasable.

The local keyring (the embedded default) on the machine's PostgreSQL; the OpenBao variant of
the same promises is in ``test_openbao.py``.
"""

from __future__ import annotations

import json

import pytest
from cryptography.exceptions import InvalidTag

from commands.privacy.service import PrivacyDesk, SessionNotFoundError
from domain.audit.chain import verify_chain
from domain.privacy.redaction import restore
from domain.sessions.values import session_stream_id
from infra.database import eventsourcing_env
from infra.keyring import KeyDestroyedError
from tests.conftest import S1 as SESSION
from tests.conftest import SESSION_DIR

S1 = SESSION["id"]

PROMPT = SESSION_DIR / "003_UserPromptSubmit.json"


def post(client, body: bytes) -> int:
    response = client.post(
        "/v1/hooks/claude-code", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    return int(response.headers["observatory-position"])


def hook_events(store, session_id: str):
    stream = session_stream_id("default", session_id)
    return list(store.events.get(stream))


def test_seal_unseal_and_destroy(keyring):
    sealed = keyring.seal("t1", "s1", b"jane@example.com")
    assert b"jane" not in sealed.encode()
    assert keyring.unseal("t1", "s1", sealed) == b"jane@example.com"
    keyring.seal("t1", "s2", b"other")
    with pytest.raises(InvalidTag):
        keyring.unseal("t1", "s2", sealed)  # another session's key cannot open it
    assert keyring.destroy("t1", "s1", by="test") is True
    with pytest.raises(KeyDestroyedError):
        keyring.unseal("t1", "s1", sealed)
    with pytest.raises(KeyDestroyedError):
        keyring.seal("t1", "s1", b"more")  # nothing is sealed for an erased session again


def test_ingest_redacts_the_event_and_seals_the_originals(client, store, keyring):
    post(client, (SESSION_DIR / "001_SessionStart.json").read_bytes())
    post(client, PROMPT.read_bytes())
    event = hook_events(store, S1)[-1]
    assert set(event.redacted) >= {"email", "phone", "card"}
    assert "@example" not in event.payload_json
    assert "[REDACTED:email]" in event.payload_json
    originals = json.loads(keyring.unseal("default", S1, event.sealed))
    restored = restore(json.loads(event.payload_json), originals["payload"])
    assert restored == json.loads(PROMPT.read_text())


def test_erasure_destroys_the_key_and_keeps_the_chain(client, store, keyring, pg_url, schema):
    post(client, PROMPT.read_bytes())
    sealed = hook_events(store, S1)[-1].sealed
    desk = PrivacyDesk(eventsourcing_env(pg_url, schema, 2))
    try:
        with pytest.raises(SessionNotFoundError):
            desk.erase("default", "nope", "admin", "gdpr", lambda: True)
        done = desk.erase(
            "default", S1, "admin", "GDPR art. 17 request #12",
            lambda: keyring.destroy("default", S1, "admin"),
        )  # fmt: skip
        assert (done.key_destroyed, done.already_erased) == (True, False)
        again = desk.erase("default", S1, "admin", "twice", lambda: False)
        assert again.already_erased
    finally:
        desk.close()
    with pytest.raises(KeyDestroyedError):
        keyring.unseal("default", S1, sealed)

    # Hooks after the erasure are still recorded (redacted) but nothing is sealed any more.
    post(client, PROMPT.read_bytes())
    events = hook_events(store, S1)
    assert type(events[-2]).__name__ == "Erased"
    assert events[-1].sealed is None
    assert "[REDACTED:email]" in events[-1].payload_json
    assert verify_chain(events).intact


def test_quarantined_bodies_are_kept_redacted(client, db):
    body = b'{"session_id": "s", "prompt": "mail jane@example.com", '  # truncated JSON
    response = client.post(
        "/v1/hooks/claude-code", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    kept = db.execute("SELECT body FROM ingest_quarantine").fetchone()[0]
    assert b"jane@example.com" not in bytes(kept)
    assert b"[REDACTED:email]" in bytes(kept)
