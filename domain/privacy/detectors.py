"""Personal data and secrets in text: what is there, and where.

Each detector finds candidates with a regular expression and confirms them where a checksum
or a parser can: payment cards by Luhn (so a 16-digit order id that fails Luhn stays
visible), phone numbers with libphonenumber, IBANs and US social security numbers with
python-stdnum. Secrets are matched by their published shapes (AWS access keys, GitHub and
Slack tokens, JWTs, PEM private keys) and, next to names like ``password`` or ``api_key``, by
their entropy. Unicode bidirectional controls (the "Trojan Source" characters) are reported as
``bidi`` so they can be made visible.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.us import ssn as stdnum_ssn

KINDS = ("private_key", "jwt", "aws_access_key", "aws_secret_key", "github_token", "slack_token",
         "secret", "email", "iban", "card", "national_id", "phone", "bidi")  # fmt: skip


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_CARD = re.compile(r"(?<![A-Za-z0-9-])(?:\d[ -]?){12,18}\d(?![A-Za-z0-9-])")
"""Digits standing alone: a run inside a hex id or hash (``…f9804690733387f…``) is not a card."""
_PHONE = re.compile(
    r"(?<![\w+-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?|\d{1,4}[\s.-])\d{2,4}[\s.-]\d{3,4}(?![\w-])"
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_AWS_ACCESS = re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[0-9A-Z]{16}\b")
_AWS_SECRET = re.compile(
    r"(?i)aws.{0,20}?(?:secret|private)?.{0,10}?key.{0,5}?[=:]\s*[\"']?([A-Za-z0-9/+=]{40})\b"
)
_GITHUB = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b")
_SLACK = re.compile(
    r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b|https://hooks\.slack\.com/services/[A-Za-z0-9/]{20,}"
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----"
)
_NAMED_SECRET = re.compile(
    r"(?i)(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret"
    r"|auth[_-]?token|private[_-]?key)[\"']?\s*[:=]\s*[\"']?([^\s\"',;]{8,})"
)
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_QUICK = re.compile(
    r"[@\d]|eyJ|KEY|xox|gh[pousr]_|github_pat|AKIA|ASIA|[=:]|[\u202a-\u202e\u2066-\u2069]"
)


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _card(match: re.Match[str]) -> bool:
    digits = re.sub(r"\D", "", match.group(0))
    return 13 <= len(digits) <= 19 and luhn.is_valid(digits)


def _phone(match: re.Match[str]) -> bool:
    text = match.group(0)
    if len(re.sub(r"\D", "", text)) < 7:
        return False
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else "US")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(number)


def _iban(match: re.Match[str]) -> bool:
    return bool(stdnum_iban.is_valid(match.group(0)))


def _ssn(match: re.Match[str]) -> bool:
    return bool(stdnum_ssn.is_valid(match.group(0)))


def _secret_value(match: re.Match[str]) -> bool:
    value = match.group(1)
    return _entropy(value) >= 3.0 and not value.startswith(("${", "$(", "<", "[REDACTED"))


_SECRET_NAMES = ("password", "passwd", "pwd", "secret", "token", "api_key", "api-key", "apikey",
                 "access_key", "access-key", "accesskey", "private_key", "private-key",
                 "privatekey", "auth_token", "auth-token", "authtoken")  # fmt: skip
_NUMERIC = re.compile(r"(?<![\d+(])[+(]?\d[\d ().-]{5,}\d")
"""A run of digits and separators long enough to be a phone, card or id: the only places
the numeric detectors need to look (scanning whole texts with them costs ten times more)."""
_IBAN_HINT = re.compile(r"[A-Z]{2}\d{2}")
_AWS_PREFIXES = ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA")
_GITHUB_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")


def _has_any(text: str, needles: tuple[str, ...]) -> bool:
    return any(needle in text for needle in needles)


# Order matters: earlier detectors claim their spans first (a JWT is not also a phone number).
# Each detector has a gate: a cheap test (substring search) that must pass before its regular
# expression runs at all.
_TEXT_DETECTORS: list[tuple[str, re.Pattern[str], Callable[[re.Match[str]], bool] | None, int,
                            Callable[[str, str], bool]]] = [
    ("private_key", _PRIVATE_KEY, None, 0, lambda t, low: "PRIVATE KEY" in t),
    ("jwt", _JWT, None, 0, lambda t, low: "eyJ" in t),
    ("aws_access_key", _AWS_ACCESS, None, 0, lambda t, low: _has_any(t, _AWS_PREFIXES)),
    ("aws_secret_key", _AWS_SECRET, None, 1, lambda t, low: "aws" in low),
    ("github_token", _GITHUB, None, 0,
     lambda t, low: "gh" in t and _has_any(t, _GITHUB_PREFIXES)),
    ("slack_token", _SLACK, None, 0, lambda t, low: "xox" in t or "hooks.slack.com" in t),
    ("secret", _NAMED_SECRET, _secret_value, 1,
     lambda t, low: _has_any(low, _SECRET_NAMES)),
    ("email", _EMAIL, None, 0, lambda t, low: "@" in t),
    ("iban", _IBAN, _iban, 0, lambda t, low: _IBAN_HINT.search(t) is not None),
]  # fmt: skip
_NUMERIC_DETECTORS: list[tuple[str, re.Pattern[str], Callable[[re.Match[str]], bool]]] = [
    ("card", _CARD, _card),
    ("national_id", _SSN, _ssn),
    ("phone", _PHONE, _phone),
]
_DETECTORS = [(kind, pattern, confirm, group) for kind, pattern, confirm, group, _ in
              _TEXT_DETECTORS] + [(kind, pattern, confirm, 0) for kind, pattern, confirm in
                                  _NUMERIC_DETECTORS] + [("bidi", _BIDI, None, 0)]  # fmt: skip
"""Every detector, in claiming order (for documentation and tests)."""


def _windows(text: str) -> list[tuple[int, int]]:
    """Where numeric findings can be: each run of digits, one character wider on each side
    (so the detectors' own boundary checks see the real neighbours)."""
    return [(max(m.start() - 1, 0), min(m.end() + 1, len(text))) for m in _NUMERIC.finditer(text)]


def find(text: str) -> list[Finding]:
    """Non-overlapping findings, in text order."""
    if not _QUICK.search(text):
        return []
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def claim(kind: str, start: int, end: int) -> None:
        if not any(start < b and a < end for a, b in taken):
            taken.append((start, end))
            found.append(Finding(kind, start, end))

    low = text.lower()
    for kind, pattern, confirm, group, gate in _TEXT_DETECTORS:
        if gate(text, low):
            for match in pattern.finditer(text):
                if confirm is None or confirm(match):
                    claim(kind, *match.span(group))
    windows = _windows(text)
    for kind, pattern, confirm in _NUMERIC_DETECTORS:
        for start, end in windows:
            for match in pattern.finditer(text, start, end):
                if confirm(match):
                    claim(kind, *match.span())
    if not text.isascii():
        for match in _BIDI.finditer(text):
            claim("bidi", *match.span())
    return sorted(found, key=lambda f: f.start)


def marker(finding: Finding, text: str) -> str:
    if finding.kind == "bidi":
        return f"[BIDI:U+{ord(text[finding.start]):04X}]"
    return f"[REDACTED:{finding.kind}]"


def redact(text: str) -> tuple[str, list[Finding]]:
    """The text with every finding replaced by its marker, and the findings."""
    findings = find(text)
    if not findings:
        return text, []
    parts: list[str] = []
    cursor = 0
    for finding in findings:
        parts.append(text[cursor : finding.start])
        parts.append(marker(finding, text))
        cursor = finding.end
    parts.append(text[cursor:])
    return "".join(parts), findings


def iter_kinds(findings: list[Finding]) -> Iterator[str]:
    return (f.kind for f in findings)
