"""GraphQL types of event analytics (ClickHouse): tools, failures, latency, activity, search."""

from __future__ import annotations

from datetime import datetime

import strawberry

from projections.event_analytics import queries as q
from read_api.graphql.context import ReadInfo
from read_api.graphql.types.records import from_record
from read_api.graphql.types.session import Position


@strawberry.type(description="How often a tool was called (distinct calls).")
class ToolCount:
    tool_name: str
    calls: int


@strawberry.type(description="A tool's outcomes; the rate is failed / (ok + failed).")
class ToolFailures:
    tool_name: str
    ok: int
    failed: int
    denied: int = strawberry.field(description="Never ran: denied by a guardrail or the user.")
    failure_rate: float

    @classmethod
    def of(cls, r: q.ToolFailures) -> ToolFailures:
        return from_record(cls, r, failure_rate=r.failure_rate)


@strawberry.type(description="A tool's call durations (exact percentiles).")
class ToolLatency:
    tool_name: str
    calls: int
    p50_ms: float
    p95_ms: float
    max_ms: float


@strawberry.type(description="One agent's activity in one time bucket.")
class AgentActivity:
    bucket: datetime
    agent_id: str | None = strawberry.field(description="None: the session's main agent.")
    agent_type: str | None
    events: int
    tool_calls: int
    failures: int


@strawberry.type(description="An event whose redacted payload holds the searched text.")
class SearchHit:
    position: Position
    at: datetime
    session_id: str
    event_type: str
    hook: str
    tool_name: str | None
    raw_payload: strawberry.Private[str]

    @strawberry.field(
        description="Redacted: personal data shows as [REDACTED:…]; null with a "
        "RESPONSE_TOO_LARGE error past the query's payload budget."
    )
    def payload(self, info: ReadInfo) -> str | None:
        info.context.budget.charge(len(self.raw_payload), "payload")
        return self.raw_payload

    @classmethod
    def of(cls, r: q.SearchHit) -> SearchHit:
        return from_record(cls, r, raw_payload=r.payload)
