"""The audit export format: rows that carry whole events, so anyone can re-check the hashes.

Each row of ``events.jsonl`` is ``{"position", "topic", "hash", "event"}`` where ``event``
holds every persisted field of the event as JSON (identifiers and times as text: exactly the
canonical form the hash is computed over). Re-hashing a row and following ``prev_hash`` from
row to row proves the bundle holds the events as they were recorded; the signed manifest
pins the rows' count, their SHA-256 and each stream's head.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from domain.audit.chain import canonical_json, event_digest, topic_of

FORMAT = "observatory-audit-export/1"


def export_row(event: object, position: int) -> dict[str, Any]:
    plain = json.loads(canonical_json(dict(vars(event))))
    return {"position": position, "topic": topic_of(event), "hash": event_digest(event),
            "event": plain}  # fmt: skip


def row_digest(row: dict[str, Any]) -> str:
    fields = dict(row["event"])
    fields["__topic__"] = row["topic"]
    return hashlib.sha256(canonical_json(fields)).hexdigest()


@dataclass
class BundleCheck:
    rows: int = 0
    streams: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def check_rows(lines: list[bytes]) -> BundleCheck:
    """Re-hashes every row and follows each stream's chain within the bundle."""
    result = BundleCheck()
    for number, line in enumerate(lines, start=1):
        row = json.loads(line)
        event = row["event"]
        stream = result.streams.setdefault(
            event["originator_id"],
            {"first_version": event["originator_version"], "head": None, "versions": 0},
        )
        if row_digest(row) != row["hash"]:
            result.problems.append(f"row {number}: the event does not match its hash (altered)")
        prev = event.get("prev_hash")
        if stream["head"] is not None:
            if event["originator_version"] != stream["last_version"] + 1:
                result.problems.append(
                    f"row {number}: version gap in stream {event['originator_id']}"
                )
            if prev is not None and prev != stream["head"]:
                result.problems.append(f"row {number}: prev_hash does not match the row before it")
        stream["head"] = row["hash"]
        stream["last_version"] = event["originator_version"]
        stream["versions"] += 1
        result.rows += 1
    return result
