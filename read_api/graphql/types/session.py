"""GraphQL types of the session timeline."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any, NewType, cast

import strawberry
from strawberry.scalars import JSON

from projections.session_timeline.queries import (
    EventRecord,
    SessionRecord,
    ToolCallRecord,
)
from read_api.graphql.budget import json_size
from read_api.graphql.context import ReadInfo
from read_api.graphql.types.paging import Connection, Page
from read_api.graphql.types.records import from_record

Position = NewType("Position", int)
"""A global position in the event log: 64-bit, so not GraphQL's 32-bit Int."""

POSITION_SCALAR = strawberry.scalar(
    name="Position",
    serialize=int,
    parse_value=int,
    description="A global position in the event log (64-bit; JSON number).",
)


@strawberry.enum
class SessionStatus(Enum):
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"


@strawberry.enum(description="How an event was tied to a subagent.")
class Attribution(Enum):
    EXPLICIT = "explicit"
    INFERRED = "inferred"


@strawberry.enum
class ToolCallStatus(Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    ABANDONED = "ABANDONED"
    DENIED = "DENIED"


@strawberry.enum(description="Who denied (or otherwise ruled on) a tool call before it ran.")
class DecisionSource(Enum):
    GUARDRAIL = "guardrail"
    CLASSIFIER = "classifier"


def _decision_source(r: ToolCallRecord) -> DecisionSource | None:
    if r.decision_source:
        return DecisionSource(r.decision_source)
    # Rulings stored before the source was recorded were all Observatory's own.
    return DecisionSource.GUARDRAIL if r.decision else None


@strawberry.type(description="One hook as recorded, with the payload as the client sent it.")
class Event:
    position: Position
    version: int
    type: str
    hook: str
    received_at: datetime
    agent_id: str | None
    attribution: Attribution | None
    tool_name: str | None
    tool_use_id: str | None
    raw_payload: strawberry.Private[Any]

    @strawberry.field(
        description="The hook JSON as received (personal data redacted); null with a "
        "RESPONSE_TOO_LARGE error past the query's payload budget."
    )
    def payload(self, info: ReadInfo) -> JSON | None:
        info.context.budget.charge(json_size(self.raw_payload), "payload")
        return cast(JSON, self.raw_payload)

    @classmethod
    def of(cls, r: EventRecord) -> Event:
        return from_record(cls, r, type=r.event_type, raw_payload=r.payload)


@strawberry.type(
    description="A tool call's trace span (OTLP /v1/traces: Claude Code's claude_code.tool, a "
    "GenAI execute_tool…), joined to the hooks by tool_use_id in whichever order they came."
)
class ToolSpan:
    trace_id: str
    span_id: str
    duration_ms: float | None = strawberry.field(description="as the span measured it")
    status: str = strawberry.field(description="the span's OTLP status: OK, ERROR or UNSET")


@strawberry.type(
    description="A tool call, paired by tool_use_id from every hook that saw it: PreToolUse, "
    "PostToolUse(Failure), PermissionDenied (Claude Code's auto-mode classifier) and "
    "PostToolBatch, and its trace span (span). A call only the classifier saw is DENIED with "
    "decisionSource CLASSIFIER; one only a batch reported is SUCCEEDED; one only a span "
    "reported is SUCCEEDED, or FAILED when the span's status is ERROR."
)
class ToolCall:
    tool_use_id: str
    tool_name: str | None
    mcp_server: str | None
    mcp_tool: str | None
    status: ToolCallStatus
    duration_ms: float | None
    agent_id: str | None = strawberry.field(description="null = the main agent")
    attribution: Attribution | None
    requested_at: datetime | None
    completed_at: datetime | None
    error: str | None
    spawned_agent_id: str | None
    decision: str | None = strawberry.field(
        description="the ruling before it ran: deny, ask, allow (see decisionSource)"
    )
    decision_rule: str | None
    policy_version: int | None
    decision_source: DecisionSource | None = strawberry.field(
        description="GUARDRAIL: an Observatory rule (decisionRule, policyVersion); CLASSIFIER: "
        "Claude Code's auto-mode classifier denied it (a PermissionDenied hook)"
    )
    span: ToolSpan | None = strawberry.field(description="null: no trace span named this call")

    @classmethod
    def of(cls, r: ToolCallRecord) -> ToolCall:
        span = (
            ToolSpan(trace_id=r.trace_id, span_id=r.span_id, duration_ms=r.span_duration_ms,
                     status=r.span_status or "UNSET")
            if r.trace_id is not None and r.span_id is not None
            else None
        )  # fmt: skip
        return from_record(
            cls, r, completed_at=r.completed_at or r.batch_completed_at,
            decision_source=_decision_source(r), span=span,
        )  # fmt: skip


@strawberry.type
class Subagent:
    agent_id: str
    agent_type: str | None
    attribution: Attribution
    started_at: datetime | None
    stopped_at: datetime | None
    tool_call_count: int


@strawberry.type(description="An agent session (a Claude Code session id).")
class Session:
    id: str
    status: SessionStatus
    cwd: str | None
    project: str | None
    model: str | None
    transcript_path: str | None
    permission_mode: str | None
    source_app: str | None
    started_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    first_seen_at: datetime
    last_event_at: datetime
    event_count: int
    prompt_count: int
    tool_call_count: int
    failed_tool_call_count: int
    subagent_count: int
    compaction_count: int
    denied_count: int
    asked_count: int
    last_position: Position

    @classmethod
    def of(cls, r: SessionRecord) -> Session:
        return from_record(cls, r, id=r.session_id, failed_tool_call_count=r.failed_tool_calls)

    @strawberry.field(description="Events in order; page with `first`/`after`.")
    async def events(
        self,
        info: ReadInfo,
        first: Annotated[int, strawberry.argument(description="1-200")] = 100,
        after: str | None = None,
    ) -> Connection[Event]:
        page = Page.of("Session.events", "event", first, after)
        records, more = await info.context.side.timeline.events(
            info.context.tenant_id, self.id, first, page.position
        )
        return page.connection(((Event.of(r), r.position) for r in records), more)

    @strawberry.field(description="Tool calls in request order.")
    async def tool_calls(self, info: ReadInfo) -> list[ToolCall]:
        return [ToolCall.of(r) for r in await info.context.tool_calls.load(self.id)]

    @strawberry.field
    async def subagents(self, info: ReadInfo) -> list[Subagent]:
        return [from_record(Subagent, r) for r in await info.context.subagents.load(self.id)]


@strawberry.input
class SessionFilter:
    status: SessionStatus | None = None
    project: str | None = None
    model: str | None = None
    active_since: datetime | None = strawberry.field(
        default=None, description="sessions with an event at or after this time"
    )
    started_before: datetime | None = None
