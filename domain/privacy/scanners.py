"""The three detectors a regular expression alone would make slow, matched with the same spans.

``finditer`` with a lazy ``[\\s\\S]*?`` (PEM keys) or an unbounded run tried from every start
inside a run (JWTs) is quadratic in the text; a case-insensitive pattern (AWS secret keys)
cannot skip ahead and scans in one long search that no budget check can interrupt. Each
scanner here finds the same matches as the pattern it replaces (a property test compares
them) in time linear in the text, checking the budget between short searches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from domain.privacy.budget import Budget

Candidate = tuple[int, int, "re.Match[str] | None"]
"""A span a detector proposes (start, end) and its match, for the detector's confirmation."""

AWS_SECRET = re.compile(
    r"(?i)aws.{0,20}?(?:secret|private)?.{0,10}?key.{0,5}?[=:]\s*[\"']?([A-Za-z0-9/+=]{40})\b"
)
_PEM_BEGIN = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
_PEM_END = re.compile(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----")
_JWT_START = re.compile(r"\beyJ")
_AWS_WORD = re.compile(r"(?i)aws")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def private_keys(text: str, budget: Budget) -> Iterator[Candidate]:
    """PEM private keys: a BEGIN header up to the first END footer after it.

    The same spans as the lazy pattern ``BEGIN…(any text)…END…``, which rescans to the end
    of the text for every header without a footer (quadratic); here a missing footer ends the
    search, as no later header can have one either, and each character is searched at most
    twice."""
    position = 0
    while (begin := _PEM_BEGIN.search(text, position)) is not None:
        budget.check()
        end = _PEM_END.search(text, begin.end())
        if end is None:
            return
        yield begin.start(), end.end(), None
        position = end.end()


def jwts(text: str, budget: Budget) -> Iterator[Candidate]:
    """JWTs: ``eyJ`` at a word boundary + 8 or more base64url characters, ``.eyJ`` + 8 or
    more, ``.`` + 8 or more (the three runs each taken whole).

    A regular expression tries every ``eyJ`` inside one run and scans to the run's end from
    each (``eyJ-eyJ-eyJ-…`` is quadratic). But every start inside a run ends its first part
    at the same place, so when the first start of a run fails, all the others do: the search
    goes on after the run, and each character is looked at a bounded number of times."""
    size = len(text)
    position = 0
    while (start := _JWT_START.search(text, position)) is not None:
        budget.check()
        first = start.start()
        header_end = _run_end(text, first)
        position = header_end
        if header_end - first < 11 or not text.startswith(".eyJ", header_end):
            continue
        claims_end = _run_end(text, header_end + 1)
        if claims_end - header_end - 1 < 11 or claims_end >= size or text[claims_end] != ".":
            continue
        signature_end = _run_end(text, claims_end + 1)
        if signature_end - claims_end - 1 >= 8:
            yield first, signature_end, None
            position = signature_end


def aws_secrets(text: str, budget: Budget) -> Iterator[Candidate]:
    """``AWS_SECRET`` tried only where ``aws`` is, in order: the matches ``finditer`` makes
    (a match starts with ``aws``), but in one short search each instead of one long one
    (case-insensitive patterns cannot skip ahead, and budget checks come between searches)."""
    position = 0
    while (word := _AWS_WORD.search(text, position)) is not None:
        budget.check()
        match = AWS_SECRET.match(text, word.start())
        if match is None:
            position = word.start() + 1
            continue
        yield match.start(1), match.end(1), match
        position = match.end()


def _run_end(text: str, start: int) -> int:
    run = _BASE64URL.match(text, start)
    return run.end() if run is not None else start
