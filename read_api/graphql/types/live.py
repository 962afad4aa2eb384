"""GraphQL types of live state (Redis): active sessions, their latest events, counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from projections.live_state.queries import LiveSession as Record
from read_api.graphql.types.paging import check_first
from read_api.graphql.types.records import from_record
from read_api.graphql.types.session import Position


@strawberry.type(description="One event as live views show it (no payload: see `session`).")
class LiveEvent:
    position: Position
    at: datetime
    session_id: str
    kind: str = strawberry.field(
        description="The hook (`PreToolUse`…), `Decision`, or `ModelCall` (a model call of "
        "the agent's telemetry; `tool` is its model)."
    )
    tool: str
    agent: str
    decision: str = strawberry.field(description="deny, ask or allow for a Decision, else empty.")

    @classmethod
    def of(cls, e: dict[str, Any]) -> LiveEvent:
        return cls(position=Position(int(e["position"])), at=datetime.fromisoformat(e["at"]),
                   session_id=e["session_id"], kind=e["kind"], tool=e["tool"],
                   agent=e["agent"], decision=e["decision"])  # fmt: skip


@strawberry.type(description="Counts since the log began (per tenant or per session).")
class LiveCounters:
    events: int
    tool_calls: int
    failures: int
    denials: int
    asks: int
    sessions_started: int
    subagents_started: int

    @classmethod
    def of(cls, c: dict[str, int]) -> LiveCounters:
        return cls(**{name: c.get(name, 0) for name in (
            "events", "tool_calls", "failures", "denials", "asks", "sessions_started",
            "subagents_started")})  # fmt: skip


@strawberry.type(description="A session as live state sees it.")
class LiveSession:
    session_id: str
    status: str = strawberry.field(description="active or ended.")
    last_at: datetime
    last_kind: str
    last_tool: str | None
    agent: str
    counters: LiveCounters

    @strawberry.field(description="Its latest events, newest first (up to 100 are kept).")
    async def recent_events(self, info: strawberry.Info, first: int = 20) -> list[LiveEvent]:
        loader = info.context.recent_events
        if loader is None:  # a LiveSession exists only where live state is configured
            raise RuntimeError("live state is not configured: no recent events to load")
        recent = await loader.load(self.session_id)
        return [LiveEvent.of(e) for e in recent[: check_first(first, "LiveSession.recentEvents")]]

    @classmethod
    def of(cls, r: Record) -> LiveSession:
        return from_record(cls, r, counters=LiveCounters.of(r.counters))
