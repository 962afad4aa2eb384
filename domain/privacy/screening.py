"""Screening one hook at ingest: everything that will be stored, redacted in one place.

A hook is stored as its payload, its envelope context and, for guarded hooks, the guardrail
ruling (whose reason may quote the command). ``screen_hook`` redacts all three and gathers
the originals, by part and JSON Pointer, ready to be sealed. When nothing is found the
payload text is kept byte for byte (the common case costs no re-encoding).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from domain.privacy.detectors import redact
from domain.privacy.redaction import redact_document
from domain.sessions.ruling import Ruling


@dataclass(frozen=True)
class Screened:
    payload_json: str
    context_json: str
    ruling: Ruling | None
    kinds: tuple[str, ...] = ()
    originals: dict[str, dict[str, str]] = field(default_factory=dict)
    """Part (``payload``, ``context``, ``ruling``) -> JSON Pointer -> original text."""

    def originals_json(self) -> bytes:
        return json.dumps(self.originals, ensure_ascii=False, separators=(",", ":")).encode()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def screen_hook(
    payload: dict[str, Any],
    payload_text: str | None,
    context: dict[str, Any] | None = None,
    ruling: Ruling | None = None,
) -> Screened:
    """Redacts payload, context and ruling; ``payload_text`` is the payload as received."""
    kinds: set[str] = set()
    originals: dict[str, dict[str, str]] = {}
    found = redact_document(payload)
    if found.changed:
        kinds |= found.kinds
        originals["payload"] = found.originals
        payload_json = _dumps(found.value)
    else:
        payload_json = payload_text if payload_text is not None else _dumps(payload)
    context_json = "{}"
    if context:
        found = redact_document(context)
        if found.changed:
            kinds |= found.kinds
            originals["context"] = found.originals
        context_json = _dumps(found.value)
    if ruling is not None:
        ruling = _screen_ruling(ruling, kinds, originals)
    return Screened(payload_json, context_json, ruling, tuple(sorted(kinds)), originals)


def _screen_ruling(ruling: Ruling, kinds: set[str], originals: dict[str, dict[str, str]]) -> Ruling:
    kept: dict[str, str] = {}

    def clean(pointer: str, text: str | None) -> str | None:
        if text is None:
            return None
        redacted, findings = redact(text)
        if findings:
            kept[pointer] = text
            kinds.update(f.kind for f in findings)
        return redacted

    message = clean("/message", ruling.message)
    shadow = tuple(
        {**hit, "message": clean(f"/shadow/{index}/message", hit.get("message")) or ""}
        for index, hit in enumerate(ruling.shadow)
    )
    if not kept:
        return ruling
    originals["ruling"] = kept
    return replace(ruling, message=message, shadow=shadow)
