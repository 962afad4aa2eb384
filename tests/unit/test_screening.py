"""Screening a hook at ingest: payload, context and ruling redacted, originals kept apart."""

from __future__ import annotations

import json

from domain.privacy.redaction import restore
from domain.privacy.screening import screen_hook
from domain.sessions.ruling import Ruling
from tests.conftest import SESSION_DIR


def test_a_clean_payload_keeps_its_exact_text():
    text = '{"session_id": "s",  "hook_event_name": "Stop"}'
    screened = screen_hook(json.loads(text), text)
    assert screened.payload_json == text
    assert screened.kinds == ()
    assert screened.originals == {}


def test_the_corpus_prompt_is_redacted_and_its_originals_restore_it():
    text = (SESSION_DIR / "003_UserPromptSubmit.json").read_text()
    payload = json.loads(text)
    screened = screen_hook(payload, text)
    assert set(screened.kinds) >= {"email", "phone", "card"}
    stored = json.loads(screened.payload_json)
    assert "[REDACTED:email]" in stored["prompt"]
    assert "@" not in stored["prompt"]
    assert restore(stored, screened.originals["payload"]) == payload


def test_context_and_ruling_are_screened_too():
    ruling = Ruling(
        "PreToolUse", "Bash", "t1", "deny", "r1", 3,
        "Blocked (rule r1: curl -H 'token=ghp_0123456789abcdefghijklmnopqrstuvwxyz01')",
        0.1, ({"rule_id": "s", "decision": "ask", "message": "mail ops@example.com"},),
    )  # fmt: skip
    screened = screen_hook(
        {"session_id": "s", "hook_event_name": "PreToolUse"}, None,
        {"source_app": "x", "summary": "ping jane.doe@example.com"}, ruling,
    )  # fmt: skip
    assert screened.ruling is not None
    assert "ghp_" not in str(screened.ruling.message)
    assert "[REDACTED:github_token]" in str(screened.ruling.message)
    assert screened.ruling.shadow[0]["message"] == "mail [REDACTED:email]"
    assert json.loads(screened.context_json)["summary"] == "ping [REDACTED:email]"
    assert set(screened.originals) == {"context", "ruling"}
    assert screened.originals["ruling"]["/shadow/0/message"] == "mail ops@example.com"
    sealed = json.loads(screened.originals_json())
    assert sealed["context"]["/summary"] == "ping jane.doe@example.com"
