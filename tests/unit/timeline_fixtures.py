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


# One auto-mode session's hooks (calls only the classifier or a batch saw), for record().
SID = "auto-1"
PRE = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_use_id": "t1",
       "tool_input": {"command": "npm publish"}}  # fmt: skip
DENIED = {"hook_event_name": "PermissionDenied", "tool_name": "Bash", "tool_use_id": "t1",
          "tool_input": {"command": "npm publish"}, "reason": "irreversible"}  # fmt: skip
POST = {"hook_event_name": "PostToolUse", "tool_name": "Read", "tool_use_id": "r1",
        "tool_response": {}, "duration_ms": 7}  # fmt: skip
FAILED = {"hook_event_name": "PostToolUseFailure", "tool_name": "Read", "tool_use_id": "r1",
          "error": "ENOENT"}  # fmt: skip
BATCH = {"hook_event_name": "PostToolBatch", "tool_calls": [
    {"tool_name": "Read", "tool_input": {}, "tool_use_id": "r1", "tool_response": "x"},
    {"tool_name": "mcp__docs-site__search", "tool_input": {}, "tool_use_id": "m1"},
]}  # fmt: skip


def record(*hooks: dict[str, object]) -> list[tuple[int, object]]:
    """The hooks of one session, recorded in order on in-memory persistence."""
    app = Ingestor()
    app.record([hook_command(json.dumps({"session_id": SID, **h}), i) for i, h in enumerate(hooks)])
    return [(n.id, app.mapper.to_domain_event(n))
            for n in app.recorder.select_notifications(start=1, limit=1_000)]  # fmt: skip
