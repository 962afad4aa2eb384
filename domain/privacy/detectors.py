"""Personal data and secrets in text: what is there, and where.

Each detector finds candidates with a regular expression and confirms them where a checksum
or a parser can: payment cards by Luhn (so a 16-digit order id that fails Luhn stays
visible), phone numbers with libphonenumber, IBANs and US social security numbers with
python-stdnum. Secrets are matched by their published shapes (AWS access keys, GitHub and
Slack tokens, JWTs, PEM private keys) and, next to names like ``password`` or ``api_key``, by
their entropy. Unicode bidirectional controls (the "Trojan Source" characters) are reported as
``bidi`` so they can be made visible.

Screening runs on every hook, and hooks are written by whatever the agent read: ``find`` takes
time linear in the text, whatever the text (each pattern is free of nested unbounded
repetition, the shapes a regular expression would rescan are matched by hand in
``scanners``, and claims
are one sweep), and checks a ``Budget`` between searches so a caller can stop it in time.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.us import ssn as stdnum_ssn

from domain.privacy.budget import UNLIMITED, Budget
from domain.privacy.scanners import Candidate, aws_secrets, jwts, private_keys

KINDS = ("private_key", "jwt", "aws_access_key", "aws_secret_key", "github_token", "slack_token",
         "secret", "email", "iban", "card", "national_id", "phone", "bidi")  # fmt: skip


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


Scanner = Callable[[str, Budget], Iterator[Candidate]]


_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_CARD = re.compile(r"(?<![A-Za-z0-9-])(?:\d[ -]?){12,18}\d(?![A-Za-z0-9-])")
"""Digits standing alone: a run inside a hex id or hash (``…f9804690733387f…``) is not a card."""
_PHONE = re.compile(
    r"(?<![\w+-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?|\d{1,4}[\s.-])\d{2,4}[\s.-]\d{3,4}(?![\w-])"
)
_IBAN = re.compile(r"(?=[A-Z])\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_AWS_ACCESS = re.compile(r"(?=A)\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[0-9A-Z]{16}\b")
_GITHUB = re.compile(r"(?=g)\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b")
_SLACK = re.compile(
    r"(?=[xh])(?:\bxox[abposr]-[A-Za-z0-9-]{10,}\b"
    r"|https://hooks\.slack\.com/services/[A-Za-z0-9/]{20,})"
)
# A lookahead on the first character, where a pattern has one, lets the engine skip ahead to
# candidates instead of trying every position: the same matches, two to eight times sooner.
_NAMED_SECRET = re.compile(
    r"(?i)(?=[acpst])(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret"
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
_NUMERIC = re.compile(r"(?=[\d+(])(?<![\d+(])[+(]?\d[\d ().-]{5,}\d")
"""A run of digits and separators long enough to be a phone, card or id: the only places
the numeric detectors need to look (scanning whole texts with them costs ten times more)."""
_IBAN_HINT = re.compile(r"[A-Z]{2}\d{2}")
_AWS_PREFIXES = ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA")
_GITHUB_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")


def _has_any(text: str, needles: tuple[str, ...]) -> bool:
    return any(needle in text for needle in needles)


def _matches(pattern: re.Pattern[str], group: int) -> Scanner:
    def scan(text: str, budget: Budget) -> Iterator[Candidate]:
        for match in pattern.finditer(text):
            budget.check()
            yield match.start(group), match.end(group), match

    return scan


# Order matters: earlier detectors claim their spans first (a JWT is not also a phone number).
# Each detector has a gate: a cheap test (substring search) that must pass before its regular
# expression runs at all.
_TEXT_DETECTORS: list[tuple[str, Scanner, Callable[[re.Match[str]], bool] | None,
                            Callable[[str, str], bool]]] = [
    ("private_key", private_keys, None, lambda t, low: "PRIVATE KEY" in t),
    ("jwt", jwts, None, lambda t, low: "eyJ" in t),
    ("aws_access_key", _matches(_AWS_ACCESS, 0), None,
     lambda t, low: _has_any(t, _AWS_PREFIXES)),
    ("aws_secret_key", aws_secrets, None, lambda t, low: "aws" in low),
    ("github_token", _matches(_GITHUB, 0), None,
     lambda t, low: "gh" in t and _has_any(t, _GITHUB_PREFIXES)),
    ("slack_token", _matches(_SLACK, 0), None,
     lambda t, low: "xox" in t or "hooks.slack.com" in t),
    ("secret", _matches(_NAMED_SECRET, 1), _secret_value,
     lambda t, low: _has_any(low, _SECRET_NAMES)),
    ("email", _matches(_EMAIL, 0), None, lambda t, low: "@" in t),
    ("iban", _matches(_IBAN, 0), _iban, lambda t, low: _IBAN_HINT.search(t) is not None),
]  # fmt: skip
_NUMERIC_DETECTORS: list[tuple[str, re.Pattern[str], Callable[[re.Match[str]], bool]]] = [
    ("card", _CARD, _card),
    ("national_id", _SSN, _ssn),
    ("phone", _PHONE, _phone),
]
DETECTORS = (
    tuple(kind for kind, *_ in _TEXT_DETECTORS)
    + tuple(kind for kind, *_ in _NUMERIC_DETECTORS)
    + ("bidi",)
)
"""Every detector, in claiming order (for documentation and tests)."""


def _windows(text: str, budget: Budget) -> list[tuple[int, int]]:
    """Where numeric findings can be: each run of digits, one character wider on each side
    (so the detectors' own boundary checks see the real neighbours)."""
    windows = []
    for m in _NUMERIC.finditer(text):
        budget.check()
        windows.append((max(m.start() - 1, 0), min(m.end() + 1, len(text))))
    return windows


def _in_windows(
    pattern: re.Pattern[str], text: str, windows: list[tuple[int, int]], budget: Budget
) -> Iterator[Candidate]:
    # Windows are in text order and overlap by at most two characters, shorter than any
    # numeric finding: candidates come out in text order, as ``_claim`` needs.
    for start, end in windows:
        budget.check()
        for match in pattern.finditer(text, start, end):
            budget.check()
            yield match.start(), match.end(), match


def _claim(
    taken: list[Finding],
    kind: str,
    candidates: Iterable[Candidate],
    confirm: Callable[[re.Match[str]], bool] | None,
    budget: Budget,
) -> list[Finding]:
    """``taken`` with every candidate that overlaps nothing claimed before and is confirmed.

    One sweep over two lists sorted by start (``taken`` holds disjoint spans, candidates come
    in text order): linear, where testing each candidate against every claim was quadratic
    in the number of findings. Overlap is tested before ``confirm`` (a libphonenumber parse
    is the costliest step), which changes nothing: a claim needs both."""
    claimed: list[Finding] = []
    index, count = 0, len(taken)
    last_end = -1
    for start, end, match in candidates:
        while index < count and taken[index].end <= start:
            index += 1
        if (index < count and taken[index].start < end) or start < last_end:
            continue
        if confirm is None or (match is not None and confirm(match)):
            budget.check()
            claimed.append(Finding(kind, start, end))
            last_end = end
    if not claimed:
        return taken
    return list(heapq.merge(taken, claimed, key=lambda finding: finding.start))


def find(text: str, budget: Budget = UNLIMITED) -> list[Finding]:
    """Non-overlapping findings, in text order, in time linear in ``len(text)``.

    Raises ``ScreeningBudgetExceededError`` when ``budget`` runs out first."""
    budget.check()
    if not _QUICK.search(text):
        return []
    taken: list[Finding] = []
    low = text.lower()
    for kind, scan, confirm, gate in _TEXT_DETECTORS:
        budget.check()
        if gate(text, low):
            taken = _claim(taken, kind, scan(text, budget), confirm, budget)
    windows = _windows(text, budget)
    for kind, pattern, confirm in _NUMERIC_DETECTORS:
        taken = _claim(taken, kind, _in_windows(pattern, text, windows, budget), confirm, budget)
    if not text.isascii():
        taken = _claim(taken, "bidi", _matches(_BIDI, 0)(text, budget), None, budget)
    return taken


def marker(finding: Finding, text: str) -> str:
    if finding.kind == "bidi":
        return f"[BIDI:U+{ord(text[finding.start]):04X}]"
    return f"[REDACTED:{finding.kind}]"


def redact(text: str, budget: Budget = UNLIMITED) -> tuple[str, list[Finding]]:
    """The text with every finding replaced by its marker, and the findings."""
    findings = find(text, budget)
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
