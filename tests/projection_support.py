"""Shared by the read-model tests: the corpus recorded now, and counts read from the store."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from commands.ingest.messages import RecordHook
from commands.ingest.service import Ingestor
from domain.sessions.hooks import HookFacts, batch_calls
from tests.conftest import session_files


def corpus_commands(tenant: str = "default", session_suffix: str = "") -> list[RecordHook]:
    """The corpus sessions' hooks, received a second apart ending now (so they count as live)."""
    texts = [p.read_text() for p in session_files()]
    start = datetime.now(UTC) - timedelta(seconds=len(texts))
    commands = []
    for i, text in enumerate(texts):
        payload = json.loads(text)
        if session_suffix:
            payload["session_id"] += session_suffix
        commands.append(RecordHook(
            tenant_id=tenant, facts=HookFacts.from_payload(payload),
            payload_json=json.dumps(payload), received_at=start + timedelta(seconds=i),
            source="test",
        ))  # fmt: skip
    return commands


def hooks_in_store(ingestor: Ingestor, tenant: str) -> Counter[str]:
    """How many hooks of each kind the event store holds for a tenant."""
    counts: Counter[str] = Counter()
    for notification in ingestor.recorder.select_notifications(start=1, limit=100_000):
        event = ingestor.mapper.to_domain_event(notification)
        hook = getattr(event, "hook", None)
        if (
            getattr(event, "tenant_id", None) == tenant
            and isinstance(hook, str)
            and (getattr(event, "payload_json", None) is not None)
        ):
            counts[hook] += 1
    return counts


def calls_in_store(ingestor: Ingestor, tenant: str) -> int:
    """Distinct tool calls (session, tool_use_id) the store holds for a tenant, whichever hooks
    saw them; a PreToolUse without a tool_use_id is a call of its own."""
    calls: set[tuple[str, str]] = set()
    unpaired = 0
    for notification in ingestor.recorder.select_notifications(start=1, limit=100_000):
        event = ingestor.mapper.to_domain_event(notification)
        if getattr(event, "tenant_id", None) != tenant or not hasattr(event, "payload_json"):
            continue
        session = str(getattr(event, "session_id", ""))
        if event.hook == "PostToolBatch":
            calls.update((session, c.tool_use_id)
                         for c in batch_calls(json.loads(event.payload_json)))  # fmt: skip
        elif event.hook in ("PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionDenied"):
            if event.tool_use_id:
                calls.add((session, event.tool_use_id))
            elif event.hook == "PreToolUse":
                unpaired += 1
    return len(calls) + unpaired
