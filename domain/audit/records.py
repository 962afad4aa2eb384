"""An event as auditors read it: plain JSON, in log order, with its hashes.

Client payloads are stored as JSON text (``payload_json``, ``context_json``); here they are
parsed back into JSON values so an NDJSON line or an export row is one JSON document.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.audit.chain import event_digest, topic_of

_TEXT_FIELDS = {"payload_json": "payload", "context_json": "context"}
_HIDDEN = {"sealed"}
"""Sealed originals never leave the event store as they are (auditors get them unsealed)."""


def describe(event: object, position: int) -> dict[str, Any]:
    """The event as one JSON object (``sealed`` left out; ``has_sealed`` says if it exists)."""
    fields = dict(vars(event))
    record: dict[str, Any] = {
        "position": position,
        "stream_id": str(fields.pop("originator_id")),
        "version": fields.pop("originator_version"),
        "type": topic_of(event).rsplit(".", 1)[-1],
        "timestamp": _plain(fields.pop("timestamp")),
        "hash": event_digest(event),
    }
    for name, value in fields.items():
        if name in _HIDDEN:
            record["has_sealed"] = value is not None
        elif name in _TEXT_FIELDS:
            record[_TEXT_FIELDS[name]] = json.loads(value)
        else:
            record[name] = _plain(value)
    return record


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
