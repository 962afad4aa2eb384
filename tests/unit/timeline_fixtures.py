"""Event streams for timeline tests: the corpus session, recorded on in-memory persistence."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from commands.ingest.messages import RecordHook
from commands.ingest.service import Ingestor
from domain.sessions.hooks import HookFacts
from tests.conftest import session_files

START = datetime(2026, 8, 18, 9, 12, 6, tzinfo=UTC)


def hook_command(text: str, seconds: int, tenant: str = "default") -> RecordHook:
    return RecordHook(
        tenant_id=tenant,
        facts=HookFacts.from_payload(json.loads(text)),
        payload_json=text,
        received_at=START + timedelta(seconds=seconds),
        source="test",
    )


def recorded_corpus(extra: list[str] | None = None) -> list[tuple[int, object]]:
    """(position, event) for the corpus session (plus extra hook texts), as the log holds them."""
    app = Ingestor()
    texts = [p.read_text() for p in session_files()] + (extra or [])
    app.record([hook_command(t, 2 * i) for i, t in enumerate(texts)])
    notifications = app.recorder.select_notifications(start=1, limit=10_000)
    return [(n.id, app.mapper.to_domain_event(n)) for n in notifications]
