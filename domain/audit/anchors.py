"""Audit anchors: each signed checkpoint, copied outside the database and remembered.

A checkpoint row in ``audit_checkpoints`` pins the log up to its position, but whoever can
delete events can delete checkpoint rows too. So every checkpoint is also written as an
*anchor* somewhere the database cannot reach (an append-only file, NATS): the same position,
event count and log digest, plus the head (version and digest of the last event) of every
stream that changed since the anchor before, signed with the checkpoint key. Each anchor
names the digest of the one before it (``prev``), so the anchors form a chain of their own:
removing or reordering one shows.

``fold_anchors`` checks that chain and each signature and gathers what the anchors remember:
every anchored checkpoint and, per stream, the highest version ever anchored. The verifier
then fails when the database holds less (fewer events, a lower head, a missing stream, a
missing checkpoint row).

Invariants: anchors are only appended, after a clean full verification; a stream's anchored
version never goes down along a valid chain; an anchor whose signature fails is reported and
its content is not trusted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from domain.audit.chain import GENESIS, canonical_json

FORMAT = 1


class AnchorFormatError(ValueError):
    """A line of an anchor file is not an anchor (truncated, edited by hand, another file)."""


@dataclass(frozen=True)
class StreamHead:
    """What a stream held when it was anchored."""

    version: int
    digest: str
    session_id: str | None = None


@dataclass(frozen=True)
class Anchor:
    """One checkpoint kept outside the database, with the stream heads that changed."""

    at: str
    """When it was written (ISO 8601, UTC): says which run an error refers to."""
    position: int
    events: int
    digest: str
    streams: Mapping[str, StreamHead] = field(default_factory=dict)
    prev: str = GENESIS
    """``anchor_id`` of the anchor before it in the same place (GENESIS for the first)."""
    signature: str = ""

    def body(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "at": self.at, "position": self.position, "events": self.events,
            "digest": self.digest, "prev": self.prev,
            "streams": {s: [h.version, h.digest, h.session_id] for s, h in self.streams.items()},
        }  # fmt: skip

    def signed_text(self) -> bytes:
        return b"observatory-anchor:" + canonical_json(self.body())

    def to_line(self) -> str:
        return json.dumps({**self.body(), "signature": self.signature}, separators=(",", ":"))

    def signed_with(self, sign: Callable[[bytes], str]) -> Anchor:
        return replace(self, signature=sign(self.signed_text()))

    def following(self, prev: str) -> Anchor:
        return replace(self, prev=prev, signature="")


Found = tuple[str, Anchor | str]
"""Where an anchor was read, and the anchor (or why that line is not one)."""


def anchor_id(anchor: Anchor) -> str:
    """SHA-256 of the whole anchor, signature included: what the next anchor's ``prev`` names."""
    return hashlib.sha256(anchor.to_line().encode()).hexdigest()


def parse_anchor(line: str) -> Anchor:
    try:
        raw = json.loads(line)
        fmt = raw["format"]
        streams = {str(s): StreamHead(int(v), str(d), None if n is None else str(n))
                   for s, (v, d, n) in raw["streams"].items()}  # fmt: skip
        anchor = Anchor(str(raw["at"]), int(raw["position"]), int(raw["events"]),
                        str(raw["digest"]), streams, str(raw["prev"]),
                        str(raw["signature"]))  # fmt: skip
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise AnchorFormatError(f"not an anchor ({type(error).__name__}: {error})") from None
    if fmt != FORMAT:
        raise AnchorFormatError(f"anchor format {fmt!r} is not {FORMAT}")
    return anchor


@dataclass
class AnchorMemory:
    """What a chain of anchors remembers, and what is wrong with the chain itself."""

    checkpoints: list[Anchor] = field(default_factory=list)
    heads: dict[str, tuple[StreamHead, Anchor]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    last_id: str = GENESIS
    count: int = 0

    def unchanged(self, stream_id: str, head: StreamHead) -> bool:
        known = self.heads.get(stream_id)
        return known is not None and known[0] == head


def fold_anchors(anchors: Iterable[Found], signed: Callable[[Anchor], bool]) -> AnchorMemory:
    """Checks the chain of ``(where, anchor or unreadable-line message)`` in written order."""
    memory = AnchorMemory()
    for number, (where, anchor) in enumerate(anchors, start=1):
        memory.count = number
        if isinstance(anchor, str):
            memory.problems.append(f"anchor {number} in {where} is unreadable: {anchor}")
            memory.last_id = ""  # whatever follows cannot be linked to it
            continue
        label = f"anchor {number} in {where} (position {anchor.position}, written {anchor.at})"
        if anchor.prev != memory.last_id:
            memory.problems.append(
                f"{label} does not follow the anchor before it: an anchor was removed, "
                "reordered or inserted"
            )
        memory.last_id = anchor_id(anchor)
        if not signed(anchor):
            memory.problems.append(
                f"{label} has a bad signature: the anchor was altered, or signed by another "
                "key than this Observatory's"
            )
            continue
        memory.checkpoints.append(anchor)
        for stream_id, head in anchor.streams.items():
            known = memory.heads.get(stream_id)
            if known is None or head.version >= known[0].version:
                memory.heads[stream_id] = (head, anchor)
    return memory


def merge_anchors(primary: list[Found], secondary: list[Found]) -> list[Found]:
    """``primary`` in its order, with each anchor only ``secondary`` keeps put back after the
    anchor it follows: an anchor deleted from one place is still remembered by the other."""
    merged = list(primary)
    known = {anchor_id(a) for _, a in primary if isinstance(a, Anchor)}
    for where, anchor in secondary:
        if not isinstance(anchor, Anchor) or anchor_id(anchor) in known:
            continue
        after = next((i for i, (_, a) in enumerate(merged)
                      if isinstance(a, Anchor) and anchor_id(a) == anchor.prev), None)  # fmt: skip
        first = 0 if anchor.prev == GENESIS else len(merged)  # else the fold reports the gap
        merged.insert(first if after is None else after + 1, (where, anchor))
        known.add(anchor_id(anchor))
    return merged
