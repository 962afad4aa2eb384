"""Screening costs the same per kilobyte at any size, and finds what it always found.

CPython's ``re`` cannot count its own steps, so scaling is measured as the CPU time of the same
number of characters screened as eight small texts and as one text eight times longer: a
linear detector costs about the same both ways, a quadratic one eight times more in one piece.
No absolute time is asserted. What a budget does is tested with a clock that counts checks.
"""

from __future__ import annotations

import gc
import itertools
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.privacy import detectors as d
from domain.privacy import scanners
from domain.privacy.budget import Budget, ScreeningBudgetExceededError
from domain.privacy.detectors import Finding, find
from domain.privacy.redaction import UNSCREENED_MARKER, redact_document, restore
from domain.privacy.screening import screen_hook
from domain.sessions.ruling import Ruling
from tests.privacy_cases import WORST_CASES

SMALL, PIECES = 8 * 1024, 8


def _cpu(texts: list[str]) -> float:
    """Least CPU time of two runs, the garbage collector paused (its passes come at moments
    that depend on everything else the process holds, not on the detectors)."""
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(2):
            started = time.process_time()
            for text in texts:
                find(text)
            best = min(best, time.process_time() - started)
    finally:
        gc.enable()
    return best


def test_every_detector_has_a_worst_case():
    assert set(WORST_CASES) == set(d.DETECTORS)


@pytest.mark.parametrize("kind", sorted(WORST_CASES))
def test_each_detectors_worst_case_costs_the_same_per_kilobyte_at_eight_times_the_size(kind):
    build = WORST_CASES[kind]
    small, large = build(SMALL), build(SMALL * PIECES)
    assert kind in {f.kind for f in find(small)} or kind in ("private_key", "jwt", "aws_secret_key")
    pieces, whole = _cpu([small] * PIECES), _cpu([large])
    assert whole < 3 * pieces + 0.005, f"{kind}: {whole:.4f}s in one piece, {pieces:.4f}s in 8"


# The detectors as they were before they were made linear: the reference for what is found.
_OLD_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----"
)
_OLD_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
_OLD_AWS_ACCESS = re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[0-9A-Z]{16}\b")
_OLD_GITHUB = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b")
_OLD_SLACK = re.compile(
    r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b|https://hooks\.slack\.com/services/[A-Za-z0-9/]{20,}"
)
_OLD_NAMED_SECRET = re.compile(
    r"(?i)(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret"
    r"|auth[_-]?token|private[_-]?key)[\"']?\s*[:=]\s*[\"']?([^\s\"',;]{8,})"
)
_OLD_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_OLD_NUMERIC = re.compile(r"(?<![\d+(])[+(]?\d[\d ().-]{5,}\d")
_OLD_TEXT = [
    ("private_key", _OLD_PRIVATE_KEY, None, 0), ("jwt", _OLD_JWT, None, 0),
    ("aws_access_key", _OLD_AWS_ACCESS, None, 0), ("aws_secret_key", scanners.AWS_SECRET, None, 1),
    ("github_token", _OLD_GITHUB, None, 0), ("slack_token", _OLD_SLACK, None, 0),
    ("secret", _OLD_NAMED_SECRET, d._secret_value, 1), ("email", d._EMAIL, None, 0),
    ("iban", _OLD_IBAN, d._iban, 0),
]  # fmt: skip


def reference_find(text: str) -> list[Finding]:
    found: list[Finding] = []

    def claim(kind: str, start: int, end: int) -> None:
        if not any(start < f.end and f.start < end for f in found):
            found.append(Finding(kind, start, end))

    gates = {kind: gate for kind, _, _, gate in d._TEXT_DETECTORS}
    for kind, pattern, confirm, group in _OLD_TEXT:
        if not gates[kind](text, text.lower()):
            continue
        for match in pattern.finditer(text):
            if confirm is None or confirm(match):
                claim(kind, *match.span(group))
    windows = [
        (max(m.start() - 1, 0), min(m.end() + 1, len(text))) for m in _OLD_NUMERIC.finditer(text)
    ]
    for kind, pattern, numeric_confirm in d._NUMERIC_DETECTORS:
        for start, end in windows:
            for match in pattern.finditer(text, start, end):
                if numeric_confirm(match):
                    claim(kind, *match.span())
    for match in d._BIDI.finditer(text):
        claim("bidi", *match.span())
    return sorted(found, key=lambda f: f.start)


FRAGMENTS = st.sampled_from([
    "jane.doe+ops@example.co.uk", "a@b", "@", ".", "-", "_", " ", "\n", ":", "=", "'", '"',
    "+1 415-555-0132", "(415) 555-0199", "4111 1111 1111 1111", "4539148803436468",
    "DE89 3704 0044 0532 0130 00", "536-22-8726", "AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key = ", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "ghp_0123456789abcdefghijklmnopqrstuvwxyz01", "xoxb-123456789012-abcdefghijkl",
    "eyJhbGciOiJIUzI1NiJ9", "eyJ", ".eyJzdWIiOiIxMjM0NTY3ODkwIn0", ".dozjgNryP4J3jVmNHl0w5N",
    "eyJ-", "password=", 'DB_PASSWORD="Xk9#mQ2$vLp7wZ"', "token: ", "-----BEGIN ",
    "RSA ", "PRIVATE KEY-----", "-----END ", "MIIEpAIBAAKCAQEA", "\u202e", "\u2066", "é",
    "order 1234 5678 9012 3456", "2026-08-18T09:12:06Z", "14b4ee07-1109-4310-8285-6372b3550cf4",
    "PASSWORD:", "Secret=", "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXX",
    "ASIAIOSFODNN7EXAMPLE", "github_pat_0123456789abcdefghijklmn", "\u017fecret=", "\u212a",
])  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(FRAGMENTS | st.text(max_size=6), max_size=30).map("".join))
def test_the_linear_detectors_find_what_the_old_ones_found(text: str):
    assert find(text) == reference_find(text), repr(text)


@given(st.lists(st.sampled_from(sorted(WORST_CASES)), min_size=1, max_size=4),
       st.integers(1, 300))  # fmt: skip
def test_they_agree_on_the_worst_cases_too(kinds: list[str], size: int):
    text = "\n".join(WORST_CASES[kind](size) for kind in kinds)
    assert find(text) == reference_find(text), repr(text)


def counting_budget(checks: int) -> Budget:
    """Runs out after ``checks`` calls of ``check()``: work counted, not timed."""
    return Budget(itertools.count().__next__, checks)


def test_find_stops_when_the_budget_runs_out_and_says_so():
    budget = counting_budget(50)
    with pytest.raises(ScreeningBudgetExceededError):
        find(WORST_CASES["phone"](64 * 1024), budget)
    assert budget.exceeded
    with pytest.raises(ScreeningBudgetExceededError):
        find("jane@example.com", budget)  # once spent, spent for everything after


def test_the_checks_find_makes_grow_linearly_with_the_worst_case():
    def checks(size: int) -> int:
        clock = itertools.count()
        find(WORST_CASES["email"](size), Budget(clock.__next__))
        return next(clock)

    assert checks(64 * 1024) <= 9 * checks(8 * 1024)


def test_what_the_budget_leaves_unscreened_is_a_marker_whose_original_is_kept():
    document = {
        "session_id": "s1", "tool_name": "Bash", "cwd": "/home/dev/app",
        "tool_response": {"stdout": WORST_CASES["phone"](32 * 1024)},
        "note": "ping jane@example.com",
    }  # fmt: skip
    result = redact_document(document, counting_budget(40))
    assert result.value["tool_response"]["stdout"] == UNSCREENED_MARKER
    assert result.value["session_id"] == "s1" and result.value["tool_name"] == "Bash"
    assert result.value["note"] == "ping [REDACTED:email]"  # short strings first
    assert "unscreened" in result.kinds and "email" in result.kinds
    assert restore(result.value, result.originals) == document


def test_a_hook_over_budget_is_recorded_with_markers_never_in_the_clear():
    payload = {"session_id": "s1", "prompt": "mail jane@example.com " + "x" * 2000}
    ruling = Ruling("PreToolUse", "Bash", "t1", "deny", "r1", 3, "Blocked: mail a@example.com",
                    0.1, ())  # fmt: skip
    screened = screen_hook(payload, None, {"summary": "b@example.com"}, ruling, Budget.spent())
    assert screened.unscreened
    assert screened.ruling is not None and screened.ruling.decision == "deny"
    assert "@" not in screened.payload_json + screened.context_json + str(screened.ruling)
    assert screened.originals["payload"]["/prompt"] == payload["prompt"]
    assert screened.originals["ruling"]["/message"] == "Blocked: mail a@example.com"
