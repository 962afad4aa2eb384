"""Screening one hook at ingest: everything that will be stored, redacted in one place.

A hook is stored as its payload, its envelope context and, for guarded hooks, the guardrail
ruling (whose reason may quote the command). ``screen_hook`` redacts all three and gathers
the originals, by part and JSON Pointer, ready to be sealed. When nothing is found the
payload text is kept byte for byte (the common case costs no re-encoding). Whatever the
budget leaves no time for is stored as ``[REDACTED:unscreened]`` and its original sealed with
the rest (``unscreened`` among the kinds): the hook is still recorded and still answered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from domain.privacy.budget import UNLIMITED, Budget, ScreeningBudgetExceededError
from domain.privacy.detectors import redact
from domain.privacy.redaction import UNSCREENED, UNSCREENED_MARKER, Memo, redact_document
from domain.sessions.ruling import Ruling


@dataclass(frozen=True)
class Screened:
    payload_json: str
    context_json: str
    ruling: Ruling | None
    kinds: tuple[str, ...] = ()
    originals: dict[str, dict[str, str]] = field(default_factory=dict)
    """Part (``payload``, ``context``, ``ruling``) -> JSON Pointer -> original text."""

    @property
    def unscreened(self) -> bool:
        """Some value ran out of budget and is stored as a marker."""
        return UNSCREENED in self.kinds

    def originals_json(self) -> bytes:
        return json.dumps(self.originals, ensure_ascii=False, separators=(",", ":")).encode()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def screen_hook(
    payload: dict[str, Any],
    payload_text: str | None,
    context: dict[str, Any] | None = None,
    ruling: Ruling | None = None,
    budget: Budget = UNLIMITED,
    memo: Memo | None = None,
) -> Screened:
    """Redacts ruling, context and payload (in that order: the smallest first, so a body too
    big for ``budget`` loses its payload text to the seal, never the ruling's reason);
    ``payload_text`` is the payload as received; ``memo`` is shared by payloads screened
    together (see ``redact_document``)."""
    kinds: set[str] = set()
    originals: dict[str, dict[str, str]] = {}
    if ruling is not None:
        ruling = _screen_ruling(ruling, kinds, originals, budget)
    context_json = "{}"
    if context:
        found = redact_document(context, budget)
        if found.changed:
            kinds |= found.kinds
            originals["context"] = found.originals
        context_json = _dumps(found.value)
    found = redact_document(payload, budget, memo)
    if found.changed:
        kinds |= found.kinds
        originals["payload"] = found.originals
        payload_json = _dumps(found.value)
    else:
        payload_json = payload_text if payload_text is not None else _dumps(payload)
    return Screened(payload_json, context_json, ruling, tuple(sorted(kinds)), originals)


def _screen_ruling(
    ruling: Ruling, kinds: set[str], originals: dict[str, dict[str, str]], budget: Budget
) -> Ruling:
    kept: dict[str, str] = {}

    def clean(pointer: str, text: str | None) -> str | None:
        if text is None:
            return None
        try:
            redacted, findings = redact(text, budget)
        except ScreeningBudgetExceededError:
            redacted, found = UNSCREENED_MARKER, {UNSCREENED}
        else:
            found = {f.kind for f in findings}
        if found:
            kept[pointer] = text
            kinds.update(found)
        return redacted

    message = clean("/message", ruling.message)
    shadow = tuple(
        {**hit, "message": clean(f"/shadow/{index}/message", hit.get("message")) or ""}
        for index, hit in enumerate(ruling.shadow)
    )
    approval = ruling.approval
    if approval is not None:
        approval = replace(approval, summary=clean("/approval/summary", approval.summary) or "")
    if not kept:
        return ruling
    originals["ruling"] = kept
    return replace(ruling, message=message, shadow=shadow, approval=approval)
