"""The ``AgentSession`` aggregate: one stream per agent session, one event per hook.

Invariants:
- every event names its tenant and session, and carries the SHA-256 of the event before it
  (``prev_hash``; the first event's is ``GENESIS``);
- an event's ``timestamp`` is the time Observatory received the hook (hooks carry none);
- the payload is kept exactly as the client sent it, as JSON text (``payload_json``): the event
  store's transcoder never walks client data, so no client object can pose as a typed value;
- unknown hook kinds are recorded as ``Observed``, never rejected;
- personal data and secrets never reach an event in the clear: ingest replaces them with
  ``[REDACTED:<kind>]`` (``redacted`` lists the kinds found) and seals the originals with the
  session's data key (``sealed``); ``Erased`` records that the key was destroyed, after which
  nothing more is sealed for the session.

Event class paths are persisted: never rename or move one without an upcaster. Events are
never upcast in place, though: the hash chain covers each event's fields as they were recorded,
so a new field means a new event class (or a digest over the stored form), not ``class_version``.
Snapshots carry no digest: the aggregate's ``class_version`` and its ``upcast_v<n>_v<n+1>``
methods bring an old snapshot's state up to date.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.audit.chain import GENESIS, event_digest
from domain.sessions.attribution import Attributed, SubagentWindows
from domain.sessions.errors import (
    ApprovalAnsweredError,
    ApprovalForbiddenError,
    ApprovalNotFoundError,
)
from domain.sessions.hooks import HookFacts
from domain.sessions.metrics import MetricPoint, observe
from domain.sessions.ruling import Ruling
from domain.sessions.telemetry import TelemetryFacts
from domain.sessions.values import Attribution, SessionStatus, session_stream_id


class AgentSession(Aggregate):
    """An agent session as the hooks describe it."""

    class_version = 4
    """The shape of a snapshot's state; bump it and add an upcaster when ``__init__`` changes."""

    class Opened(Aggregate.Created):
        """The first hook of a session arrived (whatever its kind)."""

        tenant_id: str
        session_id: str
        prev_hash: str

        def apply(self, aggregate: AgentSession) -> None:
            aggregate.head_hash = event_digest(self)

    class HookRecorded(Aggregate.Event):
        """Base of every hook event; not triggered itself."""

        tenant_id: str
        session_id: str
        hook: str
        source: str
        agent_id: str | None
        agent_type: str | None
        attribution: str | None
        prev_hash: str
        payload_json: str
        context_json: str
        redacted: list[str]
        """Kinds of personal data or secrets replaced by markers (empty: nothing found)."""
        sealed: str | None
        """The replaced originals, encrypted with the session's data key (None: nothing kept)."""

        def apply(self, aggregate: AgentSession) -> None:
            windows = SubagentWindows.from_state(aggregate.subagents)
            who = Attributed(
                self.agent_id,
                self.agent_type,
                Attribution(self.attribution) if self.attribution else None,
            )
            windows.advance(self.hook, who)
            aggregate.subagents = windows.to_state()
            aggregate.status = (
                SessionStatus.ENDED.value
                if self.hook == "SessionEnd"
                else SessionStatus.ACTIVE.value
            )
            aggregate.hook_count += 1
            aggregate.last_hook = {"agent_id": self.agent_id}
            aggregate.head_hash = event_digest(self)

    class ToolHookRecorded(HookRecorded):
        """Base of hooks about one tool call."""

        tool_name: str | None
        tool_use_id: str | None
        mcp_server: str | None
        mcp_tool: str | None
        duration_ms: float | None

    class ToolCallDecided(Aggregate.Event):
        """Observatory's guardrail decision on a PreToolUse or PermissionRequest hook.

        ``decision`` is deny, ask or allow, or None when no enforced rule matched (Claude
        Code's own permission flow then applies). ``shadow`` lists what shadow rules would
        have decided. ``policy_version`` is the version of the tenant's policy that decided.
        """

        tenant_id: str
        session_id: str
        hook: str
        tool_name: str | None
        tool_use_id: str | None
        agent_id: str | None
        decision: str | None
        rule_id: str | None
        policy_version: int
        mode: str
        message: str | None
        latency_ms: float
        shadow: list[dict[str, str]]
        intervention: str | None
        prev_hash: str

        def apply(self, aggregate: AgentSession) -> None:
            aggregate.head_hash = event_digest(self)

    class ApprovalRequested(Aggregate.Event):
        """An ``approve`` ruling asked the people on duty (``roles``/``teams``) to answer the
        tool call before ``expires_at``; ``on_timeout`` is the answer if nobody does."""

        tenant_id: str
        session_id: str
        request_id: str
        hook: str
        tool_name: str | None
        tool_use_id: str | None
        agent_id: str | None
        summary: str
        rule_id: str | None
        roles: list[str]
        teams: list[str]
        expires_at: datetime
        on_timeout: str
        self_approval: bool
        requested_by: str | None
        prev_hash: str

        def apply(self, aggregate: AgentSession) -> None:
            aggregate.approvals[self.request_id] = {
                "outcome": "pending", "roles": list(self.roles), "teams": list(self.teams),
                "expires_at": self.expires_at.isoformat(), "self_approval": self.self_approval,
                "requested_by": self.requested_by, "on_timeout": self.on_timeout,
                "rule_id": self.rule_id, "requested_at": self.timestamp.isoformat(),
            }  # fmt: skip
            aggregate.head_hash = event_digest(self)

    class ApprovalAnswered(Aggregate.Event):
        """Base of a person's answer; not triggered itself."""

        tenant_id: str
        session_id: str
        request_id: str
        rule_id: str | None
        by: str
        reason: str
        prev_hash: str

        def apply(self, aggregate: AgentSession) -> None:
            outcome = "granted" if isinstance(self, AgentSession.ApprovalGranted) else "denied"
            aggregate.approvals[self.request_id]["outcome"] = outcome
            aggregate.head_hash = event_digest(self)

    class ApprovalGranted(ApprovalAnswered):
        """A person on duty allowed the tool call."""

    class ApprovalDenied(ApprovalAnswered):
        """A person on duty refused the tool call."""

    class ApprovalExpired(Aggregate.Event):
        """Nobody answered in time: ``decision`` (the rule's ``on_timeout``) is the answer."""

        tenant_id: str
        session_id: str
        request_id: str
        rule_id: str | None
        decision: str
        prev_hash: str

        def apply(self, aggregate: AgentSession) -> None:
            aggregate.approvals[self.request_id]["outcome"] = "expired"
            aggregate.head_hash = event_digest(self)

    class Erased(Aggregate.Event):
        """The session's data key was destroyed: its sealed originals are gone for good."""

        tenant_id: str
        session_id: str
        erased_by: str
        reason: str
        prev_hash: str

        def apply(self, aggregate: AgentSession) -> None:
            aggregate.erased = True
            aggregate.head_hash = event_digest(self)

    class TelemetryRecorded(Aggregate.Event):
        """Base of the agent's own telemetry (one OTLP log record); not triggered itself.

        ``occurred_at`` is when the agent says it happened (None: it did not say); the event's
        timestamp is, as for hooks, when Observatory received it. ``payload_json`` is the whole
        record (body, attributes, resource, scope), screened like a hook's payload.
        """

        tenant_id: str
        session_id: str
        event_name: str
        prompt_id: str | None
        occurred_at: datetime | None
        source: str
        prev_hash: str
        payload_json: str
        redacted: list[str]
        sealed: str | None

        def apply(self, aggregate: AgentSession) -> None:
            aggregate.head_hash = event_digest(self)

    class ModelCallRecorded(TelemetryRecorded):
        """One call to the model (``claude_code.api_request`` or ``api_error``): its tokens by
        type and its cost. ``input_tokens`` excludes cache tokens (Claude Code's convention);
        ``user_id`` is the account, ``team`` the owner's team from the resource attributes."""

        model: str | None
        input_tokens: int
        output_tokens: int
        cache_read_tokens: int
        cache_creation_tokens: int
        cost_usd: float
        duration_ms: float | None
        error: str | None
        user_id: str | None
        organization_id: str | None
        team: str | None

    class MetricRecorded(TelemetryRecorded):
        """One metric data point (``event_name`` is the metric: ``claude_code.token.usage``…).

        ``increment`` is what the point adds to its series whatever the exporter's temporality
        (``domain.sessions.metrics``: a cumulative point adds its value minus the series' last,
        a redelivered one 0); None for a gauge, whose ``value`` is a reading. ``count`` is a
        histogram's count and ``count_increment`` what it adds, by the same rule. ``type``,
        ``model``, ``decision``, ``tool``, ``language`` and ``decision_source`` are the point's
        attributes of those names (``tool`` from ``tool_name``, ``decision_source`` from
        ``source``).
        ``start_unix_nano``, ``time_unix_nano``, ``value`` and ``count`` are the point's own, so
        replaying the events rebuilds the series' state.
        """

        kind: str
        unit: str
        value: float
        increment: float | None
        count: int | None
        count_increment: int | None
        cumulative: bool
        monotonic: bool
        series: str
        start_unix_nano: int
        time_unix_nano: int
        type: str | None
        model: str | None
        decision: str | None
        tool: str | None
        language: str | None
        decision_source: str | None
        user_id: str | None
        organization_id: str | None
        team: str | None

        def apply(self, aggregate: AgentSession) -> None:
            observed = observe(aggregate.metric_series.get(self.series), self.point)
            if observed.state is not None:
                aggregate.metric_series[self.series] = observed.state
            aggregate.head_hash = event_digest(self)

        @property
        def point(self) -> MetricPoint:
            return MetricPoint(
                self.event_name, self.kind, self.unit, self.value, None if self.count is None
                else int(self.count), self.cumulative, self.monotonic, self.start_unix_nano,
                self.time_unix_nano, self.series, self.type, self.model, self.decision,
                self.tool, self.language, self.decision_source,
            )  # fmt: skip

    class TelemetryObserved(TelemetryRecorded):
        """Any other telemetry record (``user_prompt``, ``tool_result``, ``tool_decision``…),
        kept whole."""

    class SpanRecorded(TelemetryRecorded):
        """One trace span that is not a model call (an interaction, tool, agent run, chain…):
        where it sits in its trace and what it did (``domain.sessions.spans``).
        ``tool_use_id`` joins a tool span to the tool hooks of the same call."""

        trace_id: str
        span_id: str
        parent_span_id: str | None
        span_kind: str
        span_name: str
        tool_name: str | None
        tool_use_id: str | None
        agent_name: str | None
        agent_id: str | None
        provider: str | None
        duration_ms: float | None
        status: str
        status_message: str | None

    class ModelSpanRecorded(ModelCallRecorded):
        """A model call read from a trace span (``chat``, ``claude_code.llm_request``…): a
        ``ModelCallRecorded`` (the usage views count it) that also says where it sits."""

        trace_id: str
        span_id: str
        parent_span_id: str | None
        span_kind: str
        span_name: str
        agent_name: str | None
        agent_id: str | None
        provider: str | None
        status: str
        status_message: str | None

    # One class per known hook kind (see domain.sessions.hooks.KNOWN_HOOKS).
    class Started(HookRecorded):
        """SessionStart: startup, resume, clear, compact or fork."""

    class SetupRan(HookRecorded):
        """Setup (init or maintenance)."""

    class PromptSubmitted(HookRecorded):
        """UserPromptSubmit."""

    class PromptExpanded(HookRecorded):
        """UserPromptExpansion: a slash command or MCP prompt expanded."""

    class ToolCallRequested(ToolHookRecorded):
        """PreToolUse."""

    class PermissionRequested(ToolHookRecorded):
        """PermissionRequest (carries no tool_use_id)."""

    class PermissionDenied(ToolHookRecorded):
        """PermissionDenied (auto mode)."""

    class ToolCallCompleted(ToolHookRecorded):
        """PostToolUse."""

    class ToolCallFailed(ToolHookRecorded):
        """PostToolUseFailure."""

    class ToolBatchCompleted(HookRecorded):
        """PostToolBatch."""

    class Notified(HookRecorded):
        """Notification."""

    class MessageDisplayed(HookRecorded):
        """MessageDisplay."""

    class SubagentStarted(HookRecorded):
        """SubagentStart."""

    class SubagentStopped(HookRecorded):
        """SubagentStop."""

    class TaskCreated(HookRecorded):
        """TaskCreated."""

    class TaskCompleted(HookRecorded):
        """TaskCompleted."""

    class Stopped(HookRecorded):
        """Stop: the main agent finished its turn."""

    class StopFailed(HookRecorded):
        """StopFailure: the turn ended on an API error."""

    class TeammateIdled(HookRecorded):
        """TeammateIdle."""

    class InstructionsLoaded(HookRecorded):
        """InstructionsLoaded."""

    class ConfigChanged(HookRecorded):
        """ConfigChange."""

    class CwdChanged(HookRecorded):
        """CwdChanged."""

    class DirectoryAdded(HookRecorded):
        """DirectoryAdded."""

    class FileChanged(HookRecorded):
        """FileChanged."""

    class WorktreeCreated(HookRecorded):
        """WorktreeCreate."""

    class WorktreeRemoved(HookRecorded):
        """WorktreeRemove."""

    class CompactionStarted(HookRecorded):
        """PreCompact."""

    class Compacted(HookRecorded):
        """PostCompact."""

    class ModelSwitchRequested(HookRecorded):
        """PreModelSwitch."""

    class ModelSwitched(HookRecorded):
        """PostModelSwitch."""

    class ElicitationRequested(HookRecorded):
        """Elicitation: an MCP server asks the user for input."""

    class ElicitationAnswered(HookRecorded):
        """ElicitationResult."""

    class Ended(HookRecorded):
        """SessionEnd."""

    class Observed(HookRecorded):
        """A hook kind this version does not know, kept whole."""

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Snapshots taken before decisions (``last_hook``) and erasure (``erased``) existed."""
        state.setdefault("last_hook", {})
        state.setdefault("erased", False)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """Snapshots taken before metrics: no series seen yet."""
        state.setdefault("metric_series", {})

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        """Snapshots taken before approvals existed."""
        state.setdefault("approvals", {})

    @staticmethod
    def create_id(tenant_id: str, session_id: str) -> UUID:
        return session_stream_id(tenant_id, session_id)

    def __init__(self, tenant_id: str, session_id: str, prev_hash: str) -> None:
        self.tenant_id = tenant_id
        self.session_id = session_id
        self.head_hash = prev_hash
        self.status = SessionStatus.ACTIVE.value
        self.hook_count = 0
        self.last_hook: dict[str, Any] = {}
        self.subagents: dict[str, Any] = SubagentWindows().to_state()
        self.erased = False
        self.metric_series: dict[str, list[Any]] = {}
        """Last counted point per metric series (``domain.sessions.metrics.observe``)."""
        self.approvals: dict[str, dict[str, Any]] = {}
        """Approval requests by id: ``outcome`` (pending, granted, denied, expired) and who
        may answer."""

    @classmethod
    def open(cls, tenant_id: str, session_id: str, at: datetime) -> AgentSession:
        """Starts the stream of a session seen for the first time."""
        return cls._create(
            cls.Opened,
            tenant_id=tenant_id,
            session_id=session_id,
            prev_hash=GENESIS,
            timestamp=at,
        )

    def record(
        self,
        facts: HookFacts,
        payload_json: str,
        *,
        received_at: datetime,
        source: str,
        context_json: str = "{}",
        redacted: tuple[str, ...] = (),
        sealed: str | None = None,
    ) -> None:
        """Records one hook, attributing it to the main agent or a subagent.

        ``payload_json`` and ``context_json`` must already be redacted (see ``redacted``).
        """
        who = SubagentWindows.from_state(self.subagents).attribute(
            facts.hook, facts.agent_id, facts.agent_type
        )
        event_class = getattr(AgentSession, facts.event_name)
        fields: dict[str, Any] = {
            "tenant_id": self.tenant_id,
            "session_id": self.session_id,
            "hook": facts.hook,
            "source": source,
            "agent_id": who.agent_id,
            "agent_type": who.agent_type,
            "attribution": who.attribution.value if who.attribution else None,
            "prev_hash": self.head_hash,
            "payload_json": payload_json,
            "context_json": context_json,
            "redacted": sorted(redacted),
            "sealed": None if self.erased else sealed,
        }
        if issubclass(event_class, AgentSession.ToolHookRecorded):
            tool = facts.tool
            fields.update(
                tool_name=tool.name if tool else None,
                tool_use_id=facts.tool_use_id,
                mcp_server=tool.mcp_server if tool else None,
                mcp_tool=tool.mcp_tool if tool else None,
                duration_ms=facts.duration_ms,
            )
        self.trigger_event(event_class, timestamp=received_at, **fields)

    def record_telemetry(
        self,
        facts: TelemetryFacts,
        payload_json: str,
        *,
        received_at: datetime,
        source: str,
        redacted: tuple[str, ...] = (),
        sealed: str | None = None,
    ) -> None:
        """Records one telemetry record of this session (``payload_json`` already redacted)."""
        fields: dict[str, Any] = {
            "tenant_id": self.tenant_id,
            "session_id": self.session_id,
            "event_name": facts.event_name,
            "prompt_id": facts.prompt_id,
            "occurred_at": facts.occurred_at,
            "source": source,
            "prev_hash": self.head_hash,
            "payload_json": payload_json,
            "redacted": sorted(redacted),
            "sealed": None if self.erased else sealed,
        }
        if facts.metric is not None:
            self._record_metric(facts, fields, received_at)
            return
        span, usage = facts.span, facts.usage
        if span is not None:
            fields.update(
                trace_id=span.trace_id, span_id=span.span_id,
                parent_span_id=span.parent_span_id, span_kind=span.kind, span_name=span.name,
                agent_name=span.agent_name, agent_id=span.agent_id, provider=span.provider,
                status=span.status,
                status_message=span.status_message,
            )  # fmt: skip
        if usage is None:
            if span is None:
                self.trigger_event(AgentSession.TelemetryObserved, timestamp=received_at, **fields)
                return
            self.trigger_event(
                AgentSession.SpanRecorded, timestamp=received_at, **fields,
                tool_name=span.tool_name, tool_use_id=span.tool_use_id,
                duration_ms=span.duration_ms,
            )  # fmt: skip
            return
        model_call = (
            AgentSession.ModelCallRecorded if span is None else AgentSession.ModelSpanRecorded
        )
        self.trigger_event(
            model_call, timestamp=received_at, **fields,
            model=usage.model, input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens, cache_read_tokens=usage.cache_read_tokens,
            cache_creation_tokens=usage.cache_creation_tokens, cost_usd=usage.cost_usd,
            duration_ms=usage.duration_ms, error=usage.error, user_id=facts.user_id,
            organization_id=facts.organization_id, team=facts.team,
        )  # fmt: skip

    def _record_metric(
        self, facts: TelemetryFacts, fields: dict[str, Any], received_at: datetime
    ) -> None:
        point = facts.metric
        if point is None:
            raise TypeError("not a metric data point")
        observed = observe(self.metric_series.get(point.series), point)
        self.trigger_event(
            AgentSession.MetricRecorded, timestamp=received_at, **fields, kind=point.kind,
            unit=point.unit, value=point.value, increment=observed.increment,
            count=point.count, count_increment=observed.count_increment,
            cumulative=point.cumulative, monotonic=point.monotonic, series=point.series,
            start_unix_nano=point.start_unix_nano, time_unix_nano=point.time_unix_nano,
            type=point.type, model=point.model, decision=point.decision, tool=point.tool,
            language=point.language, decision_source=point.decision_source,
            user_id=facts.user_id, organization_id=facts.organization_id, team=facts.team,
        )  # fmt: skip

    def erase(self, by: str, reason: str, *, at: datetime) -> None:
        """Records that the session's data key was destroyed (crypto-shredding)."""
        self.trigger_event(
            AgentSession.Erased,
            timestamp=at,
            tenant_id=self.tenant_id,
            session_id=self.session_id,
            erased_by=by,
            reason=reason,
            prev_hash=self.head_hash,
        )

    def decide(self, ruling: Ruling, *, at: datetime) -> None:
        """Records the guardrail decision on the hook just recorded."""
        self.trigger_event(
            AgentSession.ToolCallDecided,
            timestamp=at,
            tenant_id=self.tenant_id,
            session_id=self.session_id,
            hook=ruling.hook,
            tool_name=ruling.tool_name,
            tool_use_id=ruling.tool_use_id,
            agent_id=self.last_hook.get("agent_id"),
            decision=ruling.decision,
            rule_id=ruling.rule_id,
            policy_version=ruling.policy_version,
            mode="enforce",
            message=ruling.message,
            latency_ms=ruling.latency_ms,
            shadow=[dict(hit) for hit in ruling.shadow],
            intervention=ruling.intervention,
            prev_hash=self.head_hash,
        )

    def request_approval(self, ruling: Ruling, *, at: datetime) -> None:
        """Records the question of an ``approve`` ruling (right after the ruling)."""
        ask = ruling.approval
        if ask is None:
            return
        self.trigger_event(
            AgentSession.ApprovalRequested, timestamp=at,
            tenant_id=self.tenant_id, session_id=self.session_id, request_id=ask.request_id,
            hook=ruling.hook, tool_name=ruling.tool_name, tool_use_id=ruling.tool_use_id,
            agent_id=self.last_hook.get("agent_id"), summary=ask.summary,
            rule_id=ruling.rule_id, roles=list(ask.roles), teams=list(ask.teams),
            expires_at=ask.expires_at, on_timeout=ask.on_timeout,
            self_approval=ask.self_approval, requested_by=ask.requested_by,
            prev_hash=self.head_hash,
        )  # fmt: skip

    def _pending(self, request_id: str) -> dict[str, Any]:
        request = self.approvals.get(request_id)
        if request is None:
            raise ApprovalNotFoundError(f"no approval request {request_id}")
        if request["outcome"] != "pending":
            raise ApprovalAnsweredError(request_id, request["outcome"])
        return request

    def answer_approval(
        self, request_id: str, *, grant: bool, by: str, roles: frozenset[str],
        teams: frozenset[str], reason: str, at: datetime,
    ) -> None:  # fmt: skip
        """A person's answer. Refused when answered already, when it came too late (the
        hook has stopped waiting: the expiry is the answer), when the person holds none of
        the rule's roles or teams, or when it is their own agent's request and the rule
        does not allow self-approval."""
        request = self._pending(request_id)
        if at >= datetime.fromisoformat(request["expires_at"]):
            raise ApprovalAnsweredError(request_id, "expired")
        if not roles & set(request["roles"]):
            raise ApprovalForbiddenError(
                f"answering request {request_id} takes one of the roles "
                f"{', '.join(request['roles'])}"
            )
        if request["teams"] and not teams & set(request["teams"]):
            raise ApprovalForbiddenError(
                f"answering request {request_id} takes a member of {', '.join(request['teams'])}"
            )
        if not request["self_approval"] and by == request["requested_by"]:
            raise ApprovalForbiddenError(
                f"{by} sent request {request_id} (their own agent's call) and its rule does "
                "not allow self-approval"
            )
        self.trigger_event(
            AgentSession.ApprovalGranted if grant else AgentSession.ApprovalDenied,
            timestamp=at, tenant_id=self.tenant_id, session_id=self.session_id,
            request_id=request_id, rule_id=request.get("rule_id"), by=by, reason=reason,
            prev_hash=self.head_hash,
        )  # fmt: skip

    def expire_approval(self, request_id: str, *, at: datetime) -> None:
        """Records that nobody answered; refused (``ApprovalAnsweredError``) when someone
        did, so that of several replicas giving up at once exactly one records it."""
        request = self._pending(request_id)
        self.trigger_event(
            AgentSession.ApprovalExpired, timestamp=at, tenant_id=self.tenant_id,
            session_id=self.session_id, request_id=request_id, rule_id=request.get("rule_id"),
            decision=request["on_timeout"], prev_hash=self.head_hash,
        )  # fmt: skip
