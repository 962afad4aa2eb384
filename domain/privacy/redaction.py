"""Redaction of a JSON document, keeping what was removed so it can be sealed.

Every string value is scanned; each finding becomes ``[REDACTED:<kind>]`` (bidi controls
become ``[BIDI:U+202E]``, visible). The originals are returned by JSON Pointer (RFC 6901), so a
reader allowed to unseal can put them back exactly where they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.privacy.detectors import find, redact


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


def redact_document(value: Any) -> Redaction:
    result = Redaction(value)
    # Most documents hold nothing to redact: one scan over all their text (lines cannot be
    # crossed by any finding the per-string scan would make) answers that at a fraction of
    # the cost of scanning each string on its own.
    if not find("\n".join(_strings(value, []))):
        return result
    result.value = _walk(value, [], result)
    return result


def _strings(value: Any, out: list[str]) -> list[str]:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)
    return out


def _walk(value: Any, path: list[str], result: Redaction) -> Any:
    if isinstance(value, str):
        redacted, findings = redact(value)
        if findings:
            result.originals[_pointer(path)] = value
            result.kinds.update(f.kind for f in findings)
        return redacted
    if isinstance(value, dict):
        return {key: _walk(item, [*path, key], result) for key, item in value.items()}
    if isinstance(value, list):
        return [_walk(item, [*path, str(index)], result) for index, item in enumerate(value)]
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
