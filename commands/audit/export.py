"""``audit export``: a tenant's events (or some sessions') as a signed, self-checking bundle.

Writes ``events.jsonl`` (see ``domain.audit.bundle``), ``manifest.json`` (format, tenant,
filters, row count, positions, the SHA-256 of events.jsonl, each stream's first version and
head hash) and ``manifest.jws`` (Observatory's signature over the manifest's exact bytes).
Personal data in the rows is redacted; sealed originals travel only as ciphertext.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from commands.store.application import EventStoreApplication
from domain.audit.bundle import FORMAT, check_rows, export_row

PAGE = 2_000


def export_bundle(
    store: EventStoreApplication,
    tenant_id: str,
    out: Path,
    *,
    sign: Callable[[bytes], str],
    by: str,
    sessions: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    wanted = set(sessions or [])
    head = int(store.recorder.max_notification_id() or 0)
    digest = hashlib.sha256()
    rows = 0
    first = last = None
    streams: dict[str, dict[str, Any]] = {}
    with (out / "events.jsonl").open("wb") as handle:
        start = 0
        while start < head:
            page = store.recorder.select_notifications(
                start=start, limit=PAGE, stop=head, inclusive_of_start=False
            )
            if not page:
                break
            for notification in page:
                event: Any = store.mapper.to_domain_event(notification)
                if getattr(event, "tenant_id", None) != tenant_id:
                    continue
                if wanted and getattr(event, "session_id", None) not in wanted:
                    continue
                if (since and event.timestamp < since) or (until and event.timestamp > until):
                    continue
                row = export_row(event, notification.id)
                line = json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
                handle.write(line)
                digest.update(line)
                rows += 1
                first = first or notification.id
                last = notification.id
                stream = streams.setdefault(str(event.originator_id), {
                    "session_id": getattr(event, "session_id", None),
                    "type": type(event).__qualname__.split(".")[0],
                    "first_version": event.originator_version,
                })  # fmt: skip
                stream["last_version"] = event.originator_version
                stream["head"] = row["hash"]
            start = page[-1].id
            if progress is not None:
                progress(start, head)
    manifest = {
        "format": FORMAT, "tenant": tenant_id, "created_at": datetime.now(UTC).isoformat(),
        "created_by": by, "filters": {"sessions": sorted(wanted) or None,
                                      "since": since.isoformat() if since else None,
                                      "until": until.isoformat() if until else None},
        "rows": rows, "first_position": first, "last_position": last, "log_head": head,
        "events_sha256": digest.hexdigest(), "streams": streams,
    }  # fmt: skip
    text = json.dumps(manifest, indent=2, sort_keys=True).encode()
    (out / "manifest.json").write_bytes(text)
    (out / "manifest.jws").write_text(sign(text) + "\n")
    return manifest


def verify_bundle(folder: Path, signed: Callable[[bytes, str], bool]) -> list[str]:
    """Problems found in a bundle (none: it is what Observatory exported, unaltered)."""
    problems: list[str] = []
    try:
        text = (folder / "manifest.json").read_bytes()
        signature = (folder / "manifest.jws").read_text().strip()
        events = (folder / "events.jsonl").read_bytes()
    except OSError as error:
        return [f"incomplete bundle: {error}"]
    if not signed(text, signature):
        problems.append("manifest.jws is not Observatory's signature over manifest.json")
    manifest = json.loads(text)
    if manifest.get("format") != FORMAT:
        problems.append(f"unknown format {manifest.get('format')!r}")
    if hashlib.sha256(events).hexdigest() != manifest.get("events_sha256"):
        problems.append("events.jsonl is not the file the manifest was signed for")
    checked = check_rows(events.splitlines())
    problems += checked.problems
    if checked.rows != manifest.get("rows"):
        problems.append(f"{checked.rows} rows, the manifest says {manifest.get('rows')}")
    for stream_id, stream in manifest.get("streams", {}).items():
        found = checked.streams.get(stream_id)
        if found is None or found["head"] != stream["head"]:
            problems.append(f"stream {stream_id}: its head is not the manifest's")
    return problems
