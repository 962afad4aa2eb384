"""The detectors: each kind found where it is, confirmed by its checksum, and nowhere else."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.privacy.detectors import find, redact
from domain.privacy.redaction import redact_document, restore
from tests.conftest import SESSION_DIR

FOUND = [
    ("write to jane.doe+ops@example.co.uk today", "email", "jane.doe+ops@example.co.uk"),
    ("call +1 415-555-0132 now", "phone", "+1 415-555-0132"),
    ("call (415) 555-0199", "phone", "(415) 555-0199"),
    ("card 4111 1111 1111 1111 on file", "card", "4111 1111 1111 1111"),
    ("iban DE89 3704 0044 0532 0130 00 ok", "iban", "DE89 3704 0044 0532 0130 00"),
    ("ssn 536-22-8726.", "national_id", "536-22-8726"),
    ("AKIAIOSFODNN7EXAMPLE is the id", "aws_access_key", "AKIAIOSFODNN7EXAMPLE"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_key",
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("token ghp_0123456789abcdefghijklmnopqrstuvwxyz01", "github_token",
     "ghp_0123456789abcdefghijklmnopqrstuvwxyz01"),
    ("slack xoxb-123456789012-abcdefghijkl", "slack_token", "xoxb-123456789012-abcdefghijkl"),
    ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
     "jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N"),
    ('DB_PASSWORD="Xk9#mQ2$vLp7wZ"', "secret", "Xk9#mQ2$vLp7wZ"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
     "private_key", None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "kind", "value"), FOUND, ids=[f[1] for f in FOUND])
def test_each_kind_is_found_exactly(text: str, kind: str, value: str | None):
    findings = [f for f in find(text) if f.kind == kind]
    assert findings, f"{kind} not found in {text!r}"
    if value is not None:
        assert text[findings[0].start : findings[0].end] == value
    redacted, _ = redact(text)
    assert f"[REDACTED:{kind}]" in redacted
    if value is not None:
        assert value not in redacted


KEPT = [
    "order 1234 5678 9012 3456 shipped",  # 16 digits, fails Luhn
    "ref 4539148803436468",  # fails Luhn (the corpus' negative control)
    "password = ${DB_PASSWORD}",  # a reference, not a value
    "token: aaaaaaaaaaaa",  # low entropy
    "version 2026-08-18T09:12:06Z at line 120:7",
    "see docs/api.md and src/app.py:42",
    "event 5443a2c95bdb498f9804690733387f85",  # Luhn-valid digits inside a hex id
    "commit a1b29804690733387c in main",  # the same inside a git hash
    "request 14b4ee07-1109-4310-8285-6372b3550cf4",  # digit groups inside a UUID
]


@pytest.mark.parametrize("text", KEPT)
def test_look_alikes_stay_visible(text: str):
    assert redact(text) == (text, [])


def test_bidi_controls_are_made_visible():
    redacted, findings = redact("access = 'user\u202e \u2066// admin'")
    assert [f.kind for f in findings] == ["bidi", "bidi"]
    assert "[BIDI:U+202E]" in redacted and "\u202e" not in redacted


def test_the_corpus_query_result_keeps_the_luhn_failing_number():
    payload = json.loads((SESSION_DIR / "032_PostToolUse_mcp-postgres-prod-query.json").read_text())
    text = json.dumps(redact_document(payload).value)
    assert "4539148803436468" in text
    assert text.count("[REDACTED:email]") >= 3
    assert text.count("[REDACTED:card]") >= 2
    assert "@example" not in text


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
PII = st.sampled_from(["jane@example.com", "4111111111111111", "AKIAIOSFODNN7EXAMPLE", "x"])


@given(JSON, PII)
def test_redaction_restores_exactly_and_is_idempotent(document: object, pii: str):
    document = {"a": document, "b": f"contact {pii} now"}
    result = redact_document(document)
    assert restore(result.value, result.originals) == document
    again = redact_document(result.value)
    assert again.value == result.value


@given(JSON, PII, st.sampled_from(["\n", " ", "", "=", "password: "]))
def test_scanning_the_whole_document_first_never_hides_a_finding(
    document: object, pii: str, glue: str
):
    document = {"a": document, "b": [f"{glue}{pii}", f"{pii}{glue}"], "c": glue}
    gated = redact_document(document)
    assert gated.value == _each_string_redacted(document)
    assert restore(gated.value, gated.originals) == document


def _each_string_redacted(value: object) -> object:
    """The reference: every string scanned on its own, no whole-document scan first."""
    if isinstance(value, str):
        return redact(value)[0]
    if isinstance(value, dict):
        return {key: _each_string_redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_each_string_redacted(item) for item in value]
    return value


@given(st.binary(min_size=16, max_size=32))
def test_hex_hashes_and_ids_are_never_taken_for_cards(raw: bytes):
    assert [f.kind for f in find(raw.hex()) if f.kind == "card"] == []


@given(st.uuids())
def test_uuids_are_never_taken_for_personal_data(value):
    assert [f for f in find(str(value)) if f.kind != "bidi"] == []
