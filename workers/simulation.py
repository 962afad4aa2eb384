"""Stored tool calls, read back from the event log (for what-if simulations)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from eventsourcing.utils import get_topic

from commands.store.application import EventStoreApplication
from domain.sessions.aggregate import AgentSession

PAGE = 1_000


def tool_calls(
    store: EventStoreApplication, since: datetime | None
) -> Iterator[tuple[int, Any, dict[str, Any]]]:
    """(position, ToolCallRequested event, payload) for every stored PreToolUse, in order."""
    topics = [get_topic(AgentSession.ToolCallRequested)]
    position = 0
    while True:
        page = store.recorder.select_notifications(
            start=position, limit=PAGE, topics=topics, inclusive_of_start=False
        )
        for notification in page:
            event: Any = store.mapper.to_domain_event(notification)
            if since is None or event.timestamp >= since:
                payload = json.loads(event.payload_json)
                yield notification.id, event, payload if isinstance(payload, dict) else {}
        if len(page) < PAGE:
            return
        position = page[-1].id
