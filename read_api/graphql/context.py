"""The per-request GraphQL context: the caller, their tenant, queries and loaders (built
fresh per request). Every query is scoped to the caller's tenant: no resolver takes a tenant
from its arguments."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import msgspec
from strawberry.litestar import BaseContext
from strawberry.types import Info

from infra.access.principal import Principal
from projections.activity.queries import ActivityQueries
from projections.agent_metrics.queries import AgentMetricsQueries
from projections.alerts.queries import AlertQueries
from projections.audit_log.queries import AuditLogQueries
from projections.event_analytics.queries import EventAnalyticsQueries
from projections.guardrails.queries import GuardrailQueries
from projections.live_state.queries import LiveStateQueries
from projections.session_timeline.queries import SessionTimelineQueries
from projections.usage.clickhouse_queries import ClickHouseUsageQueries
from projections.usage.queries import UsageQueries
from read_api.graphql.budget import ResponseBudget
from read_api.graphql.loaders.recent_events_by_session import RecentEventsBySessionLoader
from read_api.graphql.loaders.subagents_by_session import SubagentsBySessionLoader
from read_api.graphql.loaders.tool_calls_by_session import ToolCallsBySessionLoader
from read_api.waiting import PositionWaiter


class AlertActed(Protocol):
    """What an alert command did: the recorded position, or why nothing was recorded."""

    @property
    def position(self) -> int: ...
    @property
    def refused(self) -> str | None:
        """None, ``alert_not_found``, ``invalid_command`` or ``conflict``."""

    @property
    def detail(self) -> str: ...


class CanActOnAlerts(Protocol):
    """The alert commands the mutations issue, the very calls of the REST API (the read side
    imports no command code): a refusal is an answer, never an exception."""

    def acknowledge(self, tenant_id: str, alert_id: str, by: str, note: object) -> AlertActed: ...
    def resolve(self, tenant_id: str, alert_id: str, by: str, note: object) -> AlertActed: ...


class PendingApproval(Protocol):
    """A request waiting for a person's answer (the approval inbox)."""

    @property
    def request_id(self) -> str: ...
    @property
    def session_id(self) -> str: ...
    @property
    def hook(self) -> str: ...
    @property
    def tool_name(self) -> str | None: ...
    @property
    def agent_id(self) -> str | None: ...
    @property
    def summary(self) -> str: ...
    @property
    def rule_id(self) -> str | None: ...
    @property
    def roles(self) -> tuple[str, ...]: ...
    @property
    def teams(self) -> tuple[str, ...]: ...
    @property
    def requested_at(self) -> datetime: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def on_timeout(self) -> str: ...
    @property
    def requested_by(self) -> str | None: ...


class ApprovalAnswered(Protocol):
    """What an answer did: the recorded position, or why nothing was recorded."""

    @property
    def position(self) -> int: ...
    @property
    def refused(self) -> str | None:
        """None, ``approval_not_found``, ``invalid_command``, ``conflict`` or ``forbidden``."""

    @property
    def detail(self) -> str: ...


class CanAnswerApprovals(Protocol):
    """The approval inbox of this process (followed from the log) and the answer command
    the REST API issues too."""

    def pending(self, tenant_id: str) -> Iterable[PendingApproval]: ...
    async def changed(self) -> None: ...
    def answer(
        self, tenant_id: str, request_id: str, grant: bool, by: str, roles: Iterable[str],
        teams: Iterable[str], reason: object,
    ) -> ApprovalAnswered: ...  # fmt: skip


@dataclass(frozen=True)
class ReadSide:
    """What the read API needs, built once per process by the entry point."""

    timeline: SessionTimelineQueries
    guardrails: GuardrailQueries
    audit: AuditLogQueries
    waiter: PositionWaiter
    tenant_id: str
    metrics: AgentMetricsQueries
    live: LiveStateQueries | None
    """None when this process has no Redis (live fields then answer with an error)."""
    analytics: Callable[[], EventAnalyticsQueries] | None
    """Opens the analytics store on first use (None: no analytics here)."""
    min_position_timeout: float = 5.0
    alerts: AlertQueries | None = None
    alert_actions: CanActOnAlerts | None = None
    """None: this process takes no alert commands (the mutations answer with an error)."""
    usage: UsageQueries | None = None
    activity: ActivityQueries | None = None
    usage_clickhouse: Callable[[], ClickHouseUsageQueries] | None = None
    """Set when usage is read from ClickHouse (``OBSERVATORY_USAGE_STORE=clickhouse``)."""
    approvals: CanAnswerApprovals | None = None
    """None: this process holds no approval inbox (the fields answer with an error)."""


class ReadContext(BaseContext, kw_only=True):
    side: ReadSide
    principal: Principal
    tenant_id: str
    tool_calls: ToolCallsBySessionLoader
    subagents: SubagentsBySessionLoader
    recent_events: RecentEventsBySessionLoader | None
    connection_params: object = None
    """graphql-transport-ws connection_init payload (WebSockets only)."""
    budget: ResponseBudget = msgspec.field(default_factory=ResponseBudget)
    """Payload bytes this operation has returned (renewed per operation by the cost limiter)."""

    def authenticate(self, principal: Principal) -> None:
        """Who a WebSocket turned out to be (its connection_init credential)."""
        fresh = ReadContext.build(self.side, principal)
        self.principal, self.tenant_id = fresh.principal, fresh.tenant_id
        self.tool_calls, self.subagents = fresh.tool_calls, fresh.subagents
        self.recent_events = fresh.recent_events

    @classmethod
    def build(cls, side: ReadSide, principal: Principal | None) -> ReadContext:
        if principal is None:  # no authentication in front (unit tests of the schema)
            principal = Principal("anonymous", side.tenant_id, frozenset(), "none")
        tenant = principal.tenant_id
        return cls(
            side=side,
            principal=principal,
            tenant_id=tenant,
            tool_calls=ToolCallsBySessionLoader(side.timeline, tenant),
            subagents=SubagentsBySessionLoader(side.timeline, tenant),
            recent_events=(
                RecentEventsBySessionLoader(side.live, tenant) if side.live is not None else None
            ),
        )


ReadInfo = Info[ReadContext, None]
