"""The hash chain: each event carries the SHA-256 of the event before it in its stream.

The digest covers every persisted field of an event (its class topic, stream id, version,
timestamp and payload) in a canonical JSON form, so it does not depend on how the event store
encodes, compresses or encrypts the stored bytes. Changing any field of a stored event, or
removing one, breaks the link from the next event; ``verify_chain`` reports where.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

GENESIS = "0" * 64
"""The ``prev_hash`` of the first event of every stream."""


def _default(value: object) -> object:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot hash a value of type {type(value).__name__}")


def canonical_json(fields: Mapping[str, Any]) -> bytes:
    """Deterministic JSON: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        fields,
        default=_default,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def topic_of(event: object) -> str:
    cls = type(event)
    return f"{cls.__module__}:{cls.__qualname__}"


def event_digest(event: object) -> str:
    """SHA-256 (hex) of an event's canonical form."""
    fields = dict(vars(event))
    fields["__topic__"] = topic_of(event)
    return hashlib.sha256(canonical_json(fields)).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """One place where a stream's chain does not hold."""

    version: int
    problem: str


@dataclass
class ChainReport:
    """The outcome of checking one stream."""

    events: int = 0
    head: str = GENESIS
    breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify_chain(events: Iterable[object], first_version: int = 1) -> ChainReport:
    """Checks versions are contiguous and each ``prev_hash`` names the event before it."""
    report = ChainReport()
    expected_version = first_version
    for event in events:
        version = int(getattr(event, "originator_version", -1))
        if version != expected_version:
            report.breaks.append(
                ChainBreak(version, f"expected version {expected_version}, found {version}")
            )
        prev_hash = getattr(event, "prev_hash", None)
        if prev_hash != report.head:
            report.breaks.append(
                ChainBreak(version, "prev_hash does not match the digest of the event before")
            )
        report.head = event_digest(event)
        report.events += 1
        expected_version = version + 1
    return report


def fold(log_digest: str, position: int, event: object) -> str:
    """The log digest after one more event: a hash chain over the whole log, in log order.

    A signed checkpoint of this digest at a position pins every event up to there, including
    the last events of streams (which no later event of their own stream vouches for) and
    whole streams (which no stream chain can miss)."""
    step = f"{log_digest}:{position}:{event_digest(event)}".encode()
    return hashlib.sha256(step).hexdigest()
