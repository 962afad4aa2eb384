"""Redaction of a JSON document, keeping what was removed so it can be sealed.

Every string value is scanned; each finding becomes ``[REDACTED:<kind>]`` (bidi controls
become ``[BIDI:U+202E]``, visible). The originals are returned by JSON Pointer (RFC 6901), so a
reader allowed to unseal can put them back exactly where they were. A string the budget left
no time for becomes ``[REDACTED:unscreened]``, its original kept like any other (kind
``unscreened``): screening never blocks a hook, never stores what it has not screened, and
never drops it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from domain.privacy.budget import UNLIMITED, Budget, ScreeningBudgetExceededError
from domain.privacy.detectors import find, redact

UNSCREENED = "unscreened"
UNSCREENED_MARKER = "[REDACTED:unscreened]"
"""What a value that could not be screened within the budget is stored as (its original is
sealed with the others: never kept in the clear, never lost)."""
SHORT = 1024
"""Strings up to this length are screened first."""


@dataclass
class Redaction:
    value: Any
    originals: dict[str, str] = field(default_factory=dict)
    """JSON Pointer -> the original string at that place."""
    kinds: set[str] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return bool(self.originals)


def _pointer(parts: list[str]) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


Memo = dict[str, tuple[str, frozenset[str]]]
"""A string -> its redacted text and the kinds found: shared by documents screened together
(an OTLP export's records repeat the same attributes), so each distinct string is scanned once."""


def redact_document(value: Any, budget: Budget = UNLIMITED, memo: Memo | None = None) -> Redaction:
    """Every string value redacted; what ``budget`` leaves no time for becomes unscreened.

    Short strings (ids, names, paths, commands) are screened before long ones (tool output),
    so a body too big for the budget loses its long text to the seal, not its small fields.
    ``memo`` answers strings already screened (and learns the others).
    """
    result = Redaction(value)
    texts = _strings(value, [])
    short = [i for i, text in enumerate(texts) if len(text) <= SHORT]
    order = short + [i for i, text in enumerate(texts) if len(text) > SHORT]
    replaced: dict[int, str] = {}
    position = 0
    try:
        # Most documents hold nothing to redact: one scan over all their short text (lines
        # cannot be crossed by any finding the per-string scan would make) answers that at a
        # fraction of the cost of scanning each string on its own.
        if memo is not None:
            unseen = [texts[i] for i in short if texts[i] not in memo]
            if unseen and not find("\n".join(unseen), budget):
                memo.update((text, (text, frozenset())) for text in unseen)
        elif short and not find("\n".join(texts[i] for i in short), budget):
            position = len(short)
        while position < len(order):
            text = texts[order[position]]
            known = memo.get(text) if memo is not None else None
            if known is None:
                redacted, findings = redact(text, budget)
                known = (redacted, frozenset(f.kind for f in findings))
                if memo is not None:
                    memo[text] = known
            if known[1]:
                replaced[order[position]] = known[0]
                result.kinds.update(known[1])
            position += 1
    except ScreeningBudgetExceededError:
        for index in order[position:]:
            if texts[index]:
                replaced[index] = UNSCREENED_MARKER
                result.kinds.add(UNSCREENED)
    if replaced:
        result.value = _rebuild(value, [], iter(range(len(texts))), replaced, result.originals)
    return result


def _strings(value: Any, out: list[str]) -> list[str]:
    """Every string value, in document order (the order ``_rebuild`` walks)."""
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)
    return out


def _rebuild(
    value: Any, path: list[str], numbers: Iterator[int], replaced: dict[int, str],
    originals: dict[str, str],
) -> Any:  # fmt: skip
    """The document with the numbered strings replaced, their originals kept by pointer."""
    if isinstance(value, str):
        number = next(numbers)
        if number not in replaced:
            return value
        originals[_pointer(path)] = value
        return replaced[number]
    if isinstance(value, dict):
        return {
            key: _rebuild(item, [*path, key], numbers, replaced, originals)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [
            _rebuild(item, [*path, str(index)], numbers, replaced, originals)
            for index, item in enumerate(value)
        ]
    return value


def restore(value: Any, originals: dict[str, str]) -> Any:
    """Puts sealed originals back (the reverse of ``redact_document``)."""
    for pointer, original in originals.items():
        value = _set(value, unescape(pointer), original)
    return value


def unescape(pointer: str) -> list[str]:
    """The reference tokens of a JSON Pointer."""
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def _set(value: Any, parts: list[str], new: str) -> Any:
    if not parts:
        return new
    head, rest = parts[0], parts[1:]
    if isinstance(value, dict) and head in value:
        return {**value, head: _set(value[head], rest, new)}
    if isinstance(value, list) and head.isdigit() and int(head) < len(value):
        copy = list(value)
        copy[int(head)] = _set(copy[int(head)], rest, new)
        return copy
    return value
