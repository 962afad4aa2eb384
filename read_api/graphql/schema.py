"""The GraphQL schema and the Litestar controller that serves it (GraphiQL included)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig

from read_api.graphql.context import ReadInfo
from read_api.graphql.cost import QueryCostLimiter
from read_api.graphql.document_limits import DocumentLimiter
from read_api.graphql.permissions import CanAudit, CanRead
from read_api.graphql.resolvers import activity as activity_resolvers
from read_api.graphql.resolvers import alerts as alert_resolvers
from read_api.graphql.resolvers import analytics as analytics_resolvers
from read_api.graphql.resolvers import approvals as approval_resolvers
from read_api.graphql.resolvers import audit as audit_resolvers
from read_api.graphql.resolvers import guardrails as guardrail_resolvers
from read_api.graphql.resolvers import live as live_resolvers
from read_api.graphql.resolvers import metrics as metric_resolvers
from read_api.graphql.resolvers import sessions as session_resolvers
from read_api.graphql.resolvers import usage as usage_resolvers
from read_api.graphql.types.activity import Activity, ActivityGrouping
from read_api.graphql.types.alerts import Alert, AlertFilter, ModelKind, ModelVersion
from read_api.graphql.types.analytics import (
    AgentActivity,
    SearchHit,
    ToolCount,
    ToolFailures,
    ToolLatency,
)
from read_api.graphql.types.approvals import PendingApproval
from read_api.graphql.types.audit import AuditEntry, AuditFilter
from read_api.graphql.types.caller import Caller
from read_api.graphql.types.guardrails import (
    DecisionFilter,
    GuardrailDecision,
    GuardrailPolicy,
    PolicyChange,
    Quarantine,
)
from read_api.graphql.types.live import LiveCounters, LiveEvent, LiveSession
from read_api.graphql.types.metrics import MetricDimension, MetricPoint, MetricsFilter, MetricStep
from read_api.graphql.types.mutation import Mutation
from read_api.graphql.types.paging import Connection
from read_api.graphql.types.session import POSITION_SCALAR, Position, Session, SessionFilter
from read_api.graphql.types.usage import Usage, UsageBucket, UsageFilter, UsageGrouping


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[CanRead],
        description="Who you are: your roles and permissions (a client hides what you may not do).",
    )
    def whoami(self, info: ReadInfo) -> Caller:
        return Caller.of(info.context.principal)

    @strawberry.field(
        permission_classes=[CanRead], description="Sessions, newest first (Relay-style paging)."
    )
    async def sessions(
        self,
        info: ReadInfo,
        filter: SessionFilter | None = None,
        first: int = 20,
        after: str | None = None,
        min_position: Annotated[
            Position | None,
            strawberry.argument(description="wait until this global position is applied"),
        ] = None,
    ) -> Connection[Session]:
        return await session_resolvers.sessions(info, filter, first, after, min_position)

    @strawberry.field(
        permission_classes=[CanRead],
        description="One session by its id (Claude Code's session_id).",
    )
    async def session(
        self,
        info: ReadInfo,
        id: str,
        min_position: Annotated[
            Position | None,
            strawberry.argument(description="wait until this global position is applied"),
        ] = None,
    ) -> Session | None:
        return await session_resolvers.session(info, id, min_position)

    @strawberry.field(
        permission_classes=[CanRead],
        description="The global position the session timeline has applied.",
    )
    async def timeline_position(self, info: ReadInfo) -> Position:
        return Position(await info.context.side.timeline.position())

    @strawberry.field(
        permission_classes=[CanRead],
        description="The tenant's current guardrail policy (version 0 = defaults).",
    )
    async def guardrail_policy(
        self, info: ReadInfo, min_position: Position | None = None
    ) -> GuardrailPolicy:
        return await guardrail_resolvers.policy(info, min_position)

    @strawberry.field(
        permission_classes=[CanRead], description="Changes of the policy, newest first."
    )
    async def guardrail_policy_history(self, info: ReadInfo, first: int = 50) -> list[PolicyChange]:
        return await guardrail_resolvers.history(info, first)

    @strawberry.field(
        permission_classes=[CanRead],
        description="Guardrail decisions, newest first (Relay-style paging).",
    )
    async def guardrail_decisions(
        self,
        info: ReadInfo,
        filter: DecisionFilter | None = None,
        first: int = 50,
        after: str | None = None,
        min_position: Position | None = None,
    ) -> Connection[GuardrailDecision]:
        return await guardrail_resolvers.decisions(info, filter, first, after, min_position)

    @strawberry.field(
        permission_classes=[CanRead],
        description="Quarantined sessions and agents (active ones by default).",
    )
    async def quarantines(self, info: ReadInfo, active_only: bool = True) -> list[Quarantine]:
        return await guardrail_resolvers.quarantines(info, active_only)

    @strawberry.field(
        permission_classes=[CanRead],
        description="Alerts raised by model assessments, newest first (Relay-style paging).",
    )
    async def alerts(
        self,
        info: ReadInfo,
        filter: AlertFilter | None = None,
        first: int = 50,
        after: str | None = None,
        min_position: Position | None = None,
    ) -> Connection[Alert]:
        return await alert_resolvers.alerts(info, filter, first, after, min_position)

    @strawberry.field(
        permission_classes=[CanRead], description="Model versions, newest first (of one kind)."
    )
    async def model_versions(
        self, info: ReadInfo, kind: ModelKind | None = None
    ) -> list[ModelVersion]:
        return await alert_resolvers.model_versions(info, kind)

    @strawberry.field(
        permission_classes=[CanAudit],
        description="Who did what, when: every command anyone issued, newest first "
        "(auditors and admins).",
    )
    async def audit_log(
        self,
        info: ReadInfo,
        filter: AuditFilter | None = None,
        first: int = 50,
        after: str | None = None,
        min_position: Position | None = None,
    ) -> Connection[AuditEntry]:
        return await audit_resolvers.audit_log(info, filter, first, after, min_position)

    @strawberry.field(
        permission_classes=[CanRead],
        description="Tool activity over time, one point per minute or hour with activity "
        "(hour points come from the hourly rollup unless a session is given).",
    )
    async def agent_metrics(
        self,
        info: ReadInfo,
        since: datetime,
        until: datetime | None = None,
        step: MetricStep = MetricStep.MINUTE,
        filter: MetricsFilter | None = None,
        min_position: Position | None = None,
    ) -> list[MetricPoint]:
        return await metric_resolvers.series(info, since, until, step, filter, min_position)

    @strawberry.field(
        permission_classes=[CanRead],
        description="Tool activity totals per project, session, agent, model or tool, "
        "busiest first.",
    )
    async def agent_metrics_breakdown(
        self,
        info: ReadInfo,
        by: MetricDimension,
        since: datetime,
        until: datetime | None = None,
        filter: MetricsFilter | None = None,
        first: int = 50,
        min_position: Position | None = None,
    ) -> list[MetricPoint]:
        return await metric_resolvers.breakdown(info, by, since, until, filter, first, min_position)

    @strawberry.field(
        permission_classes=[CanRead],
        description="Tokens by type and cost of the agents' model calls (their own telemetry, "
        "OTLP logs), grouped `by` model, session, user, team, project or agent, `per` minute, "
        "hour or day, or both; buckets oldest first, then groups costliest first. Whole days "
        "and hours are read from rollups.",
    )
    async def usage(
        self,
        info: ReadInfo,
        since: datetime,
        by: UsageGrouping | None = None,
        until: datetime | None = None,
        session_id: str | None = None,
        model: str | None = None,
        first: int = 100,
        min_position: Position | None = None,
        per: UsageBucket | None = None,
        filter: UsageFilter | None = None,
    ) -> list[Usage]:
        return await usage_resolvers.usage(info, since, until, by, per, session_id, model,
                                           filter, first, min_position)  # fmt: skip

    @strawberry.field(
        permission_classes=[CanRead],
        description="What the agents' own metrics report (OTLP metrics, claude_code.*): lines "
        "added and removed, commits, pull requests, edit decisions and accept rate, active "
        "time, sessions, and cost and tokens as the metrics report them (the spend `usage` "
        "has from log events, reported again: compare, never add), per model, session, user, "
        "team, minute or day; groups with the most lines changed first, buckets oldest first.",
    )
    async def activity(
        self,
        info: ReadInfo,
        since: datetime,
        by: ActivityGrouping,
        until: datetime | None = None,
        session_id: str | None = None,
        first: int = 100,
        min_position: Position | None = None,
    ) -> list[Activity]:
        return await activity_resolvers.activity(info, since, until, by, session_id, first,
                                                 min_position)  # fmt: skip

    @strawberry.field(
        permission_classes=[CanRead],
        description="Sessions with activity in the last minutes and no SessionEnd (live state).",
    )
    async def live_sessions(
        self,
        info: ReadInfo,
        within_minutes: int = 30,
        first: int = 100,
        min_position: Position | None = None,
    ) -> list[LiveSession]:
        return await live_resolvers.sessions(info, within_minutes, first, min_position)

    @strawberry.field(permission_classes=[CanRead], description="One session's live state.")
    async def live_session(
        self, info: ReadInfo, id: str, min_position: Position | None = None
    ) -> LiveSession | None:
        return await live_resolvers.session(info, id, min_position)

    @strawberry.field(
        permission_classes=[CanRead], description="The tenant's counters since the log began."
    )
    async def live_counters(
        self, info: ReadInfo, min_position: Position | None = None
    ) -> LiveCounters:
        return await live_resolvers.counters(info, min_position)

    @strawberry.field(permission_classes=[CanRead], description="Most called tools (ClickHouse).")
    async def top_tools(
        self, info: ReadInfo, since: datetime | None = None, until: datetime | None = None,
        first: int = 10,
    ) -> list[ToolCount]:  # fmt: skip
        return await analytics_resolvers.top_tools(info, since, until, first)

    @strawberry.field(
        permission_classes=[CanRead], description="Failure rate per tool, worst first."
    )
    async def tool_failures(
        self, info: ReadInfo, since: datetime | None = None, until: datetime | None = None
    ) -> list[ToolFailures]:
        return await analytics_resolvers.failures(info, since, until)

    @strawberry.field(permission_classes=[CanRead], description="Slowest tools by p95.")
    async def slowest_tools(
        self, info: ReadInfo, since: datetime | None = None, until: datetime | None = None,
        first: int = 10,
    ) -> list[ToolLatency]:  # fmt: skip
        return await analytics_resolvers.slowest(info, since, until, first)

    @strawberry.field(permission_classes=[CanRead], description="Events per agent per time bucket.")
    async def agent_activity(
        self, info: ReadInfo, bucket_seconds: int = 3600, session_id: str | None = None,
        since: datetime | None = None, until: datetime | None = None,
    ) -> list[AgentActivity]:  # fmt: skip
        return await analytics_resolvers.activity(info, bucket_seconds, session_id, since, until)

    @strawberry.field(
        permission_classes=[CanRead],
        description="Events whose redacted payload contains the text (any case), newest first.",
    )
    async def search_events(self, info: ReadInfo, text: str, first: int = 50) -> list[SearchHit]:
        return await analytics_resolvers.search(info, text, first)

    @strawberry.field(
        permission_classes=[CanRead],
        description="Tool calls held for a person's answer across the fleet, oldest first.",
    )
    def pending_approvals(self, info: ReadInfo) -> list[PendingApproval]:
        return approval_resolvers.pending(info)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[CanRead],
        description="One session's events as they are projected (graphql-transport-ws).",
    )
    async def session_events(
        self, info: ReadInfo, session_id: str
    ) -> AsyncGenerator[LiveEvent, None]:
        async for event in live_resolvers.events(info, session_id):
            yield event

    @strawberry.subscription(
        permission_classes=[CanRead],
        description="Every event of the tenant's fleet as it is projected.",
    )
    async def fleet_activity(self, info: ReadInfo) -> AsyncGenerator[LiveEvent, None]:
        async for event in live_resolvers.events(info, None):
            yield event

    @strawberry.subscription(
        permission_classes=[CanRead],
        description="The pending approvals now, then again at every request, answer or expiry.",
    )
    async def pending_approvals(
        self, info: ReadInfo
    ) -> AsyncGenerator[list[PendingApproval], None]:
        async for found in approval_resolvers.watch(info):
            yield found


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(scalar_map={Position: POSITION_SCALAR}),
        extensions=[
            DocumentLimiter,  # first: the limiters below are exponential in fragment spreads
            lambda: QueryDepthLimiter(max_depth=10),
            lambda: MaxAliasesLimiter(max_alias_count=30),
            lambda: MaxTokensLimiter(max_token_count=2_000),
            QueryCostLimiter,
        ],
    )
