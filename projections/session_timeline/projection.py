"""The session timeline projection: events in, row changes out (no I/O)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from posixpath import basename
from typing import Any

from domain.sessions.aggregate import AgentSession
from domain.sessions.hooks import batch_calls
from domain.sessions.values import SUBAGENT_SPAWNING_TOOLS, DecisionSource, ToolCallStatus
from projections import storable
from projections.session_timeline.view import (
    Abandonment,
    EventRow,
    SessionChange,
    SubagentChange,
    TimelineChanges,
    ToolCallChange,
)

PositionedEvent = tuple[int, object]
"""(global position, domain event)"""


class SessionTimelineProjection:
    """Folds ``AgentSession`` events into timeline changes; ignores every other event."""

    def changes(self, events: Iterable[PositionedEvent]) -> TimelineChanges:
        changes = TimelineChanges()
        for position, event in events:
            if isinstance(event, AgentSession.HookRecorded):
                self._hook(changes, position, event)
            elif isinstance(event, AgentSession.ToolCallDecided):
                self._decided(changes, position, event)
            elif isinstance(event, AgentSession.Opened):
                self._session(changes, position, event)
            elif isinstance(event, AgentSession.SpanRecorded) and event.tool_use_id:
                self._tool_span(changes, position, event)
        return changes

    def _tool_span(self, changes: TimelineChanges, position: int, event: Any) -> None:
        """A tool call's trace span, joined to its hooks by ``tool_use_id`` (see ``view.py``).
        It leaves the session row alone (spans often arrive after SessionEnd: they must not
        reopen it); the view still counts a call the span is first to name."""
        call = self._call(changes, event.tenant_id, event.session_id, event.tool_use_id)
        call.tool_name = call.tool_name or event.tool_name
        call.trace_id, call.span_id = event.trace_id, event.span_id
        call.span_duration_ms, call.span_status = event.duration_ms, event.status

    def _session(self, changes: TimelineChanges, position: int, event: Any) -> SessionChange:
        key = (event.tenant_id, event.session_id)
        session = changes.sessions.get(key)
        if session is None:
            session = SessionChange(
                tenant_id=event.tenant_id,
                session_id=event.session_id,
                stream_id=event.originator_id,
                first_seen_at=event.timestamp,
                first_position=position,
                last_event_at=event.timestamp,
                last_position=position,
            )
            changes.sessions[key] = session
        else:
            # Arrival times need not follow positions (several API replicas): min and max.
            session.first_seen_at = min(session.first_seen_at, event.timestamp)
            session.last_event_at = max(session.last_event_at, event.timestamp)
            session.last_position = position
        return session

    def _hook(self, changes: TimelineChanges, position: int, event: Any) -> None:
        session = self._session(changes, position, event)
        payload: dict[str, Any] | None = None

        def read() -> dict[str, Any]:
            nonlocal payload
            if payload is None:
                parsed = json.loads(event.payload_json)
                payload = parsed if isinstance(parsed, dict) else {}
            return payload

        session.event_count += 1
        if session.cwd is None:
            self._describe(session, read())
        if session.source_app is None and event.context_json != "{}":
            app = json.loads(event.context_json).get("source_app")
            session.source_app = app if isinstance(app, str) else None
        changes.events.append(
            EventRow(
                tenant_id=event.tenant_id,
                session_id=event.session_id,
                position=position,
                version=event.originator_version,
                event_type=type(event).__name__,
                hook=event.hook,
                received_at=event.timestamp,
                agent_id=event.agent_id,
                attribution=event.attribution,
                tool_name=getattr(event, "tool_name", None),
                tool_use_id=getattr(event, "tool_use_id", None),
                payload=storable.jsonb_text(event.payload_json),
            )
        )
        if event.agent_id is not None:
            self._subagent(changes, position, event)

        kind = type(event)
        session.status = "ENDED" if kind is AgentSession.Ended else "ACTIVE"
        if kind is AgentSession.Ended:
            session.ended_at = event.timestamp
            reason = read().get("reason")
            session.end_reason = reason if isinstance(reason, str) else None
            changes.abandonments.append(Abandonment(event.tenant_id, event.session_id, position))
        else:
            session.ended_at = None
            session.end_reason = None
        if kind is AgentSession.Started:
            session.started_at = session.started_at or event.timestamp
            model = read().get("model")
            session.model = storable.dimension(model) if isinstance(model, str) else session.model
        elif kind is AgentSession.ModelSwitched:
            model = read().get("to_model")
            session.model = storable.dimension(model) if isinstance(model, str) else session.model
        elif kind is AgentSession.PromptSubmitted:
            session.prompt_count += 1
        elif kind is AgentSession.Compacted:
            session.compaction_count += 1
        elif kind is AgentSession.SubagentStarted:
            session.subagent_count += 1
        elif kind in (
            AgentSession.ToolCallRequested,
            AgentSession.ToolCallCompleted,
            AgentSession.ToolCallFailed,
            AgentSession.PermissionDenied,
        ):
            self._tool_call(changes, session, position, event, read)
        elif kind is AgentSession.ToolBatchCompleted:
            self._batch(changes, position, event, read())

    def _decided(self, changes: TimelineChanges, position: int, event: Any) -> None:
        session = self._session(changes, position, event)
        if event.decision == "deny":
            session.denied_count += 1
        elif event.decision == "ask":
            session.asked_count += 1
        if event.tool_use_id is None or event.decision is None:
            return  # a PermissionRequest ruling, or nothing decided: no call to mark
        call = self._call(changes, event.tenant_id, event.session_id, event.tool_use_id)
        call.tool_name = call.tool_name or event.tool_name
        call.decision, call.decision_rule = event.decision, event.rule_id
        call.policy_version = event.policy_version
        call.decision_source = DecisionSource.GUARDRAIL.value
        if event.decision == "deny":
            call.outcome = ToolCallStatus.DENIED.value

    def _describe(self, session: SessionChange, payload: dict[str, Any]) -> None:
        """The first event that names a cwd describes the session (cwd, project, transcript,
        permission mode); the view keeps those four together."""
        cwd = payload.get("cwd")
        if not isinstance(cwd, str) or not cwd:
            return
        session.cwd = cwd
        # project and model are cut as in agent_metrics, so the two views name groups alike
        session.project = storable.dimension(basename(cwd.rstrip("/")) or cwd)
        path = payload.get("transcript_path")
        session.transcript_path = path if isinstance(path, str) else None
        mode = payload.get("permission_mode")
        session.permission_mode = mode if isinstance(mode, str) else None

    def _tool_call(
        self,
        changes: TimelineChanges,
        session: SessionChange,
        position: int,
        event: Any,
        read: Any,
    ) -> None:
        if event.tool_use_id is None:
            if isinstance(event, AgentSession.ToolCallRequested):
                session.tool_call_count += 1  # nothing to pair on: counted by its hook
                if event.agent_id is not None:
                    changes.subagents[
                        (event.tenant_id, event.session_id, event.agent_id)
                    ].tool_call_count += 1
            return
        call = self._call(changes, event.tenant_id, event.session_id, event.tool_use_id)
        call.tool_name = call.tool_name or event.tool_name
        call.mcp_server = call.mcp_server or event.mcp_server
        call.mcp_tool = call.mcp_tool or event.mcp_tool
        if call.agent_id is None and event.agent_id is not None:
            call.agent_id, call.attribution = event.agent_id, event.attribution
        if isinstance(event, (AgentSession.ToolCallRequested, AgentSession.PermissionDenied)):
            if call.requested_at is None:
                call.requested_at, call.requested_position = event.timestamp, position
            if isinstance(event, AgentSession.PermissionDenied):
                # Claude Code's auto-mode classifier denied it: the tool never ran.
                call.outcome = ToolCallStatus.DENIED.value
                call.decision, call.decision_rule, call.policy_version = "deny", None, None
                call.decision_source = DecisionSource.CLASSIFIER.value
            return
        call.completed_at, call.completed_position = event.timestamp, position
        call.duration_ms = event.duration_ms if event.duration_ms is not None else call.duration_ms
        if isinstance(event, AgentSession.ToolCallFailed):
            session.failed_tool_calls += 1
            call.outcome = ToolCallStatus.FAILED.value
            error = read().get("error")
            call.error = error[:4096] if isinstance(error, str) else call.error
        else:
            call.outcome = ToolCallStatus.SUCCEEDED.value
            if event.tool_name in SUBAGENT_SPAWNING_TOOLS:
                response = read().get("tool_response")
                agent = response.get("agentId") if isinstance(response, dict) else None
                call.spawned_agent_id = agent if isinstance(agent, str) else call.spawned_agent_id

    def _batch(
        self, changes: TimelineChanges, position: int, event: Any, payload: dict[str, Any]
    ) -> None:
        """Every call a PostToolBatch names has run: a weak completion (see ``view.py``)."""
        for item in batch_calls(payload):
            call = self._call(changes, event.tenant_id, event.session_id, item.tool_use_id)
            if item.tool is not None:
                call.tool_name = call.tool_name or item.tool.name
                call.mcp_server = call.mcp_server or item.tool.mcp_server
                call.mcp_tool = call.mcp_tool or item.tool.mcp_tool
            if call.agent_id is None and event.agent_id is not None:
                call.agent_id, call.attribution = event.agent_id, event.attribution
            if call.batch_completed_at is None:
                call.batch_completed_at, call.batch_completed_position = event.timestamp, position

    @staticmethod
    def _call(changes: TimelineChanges, tenant: str, session: str, call_id: str) -> ToolCallChange:
        key = (tenant, session, call_id)
        call = changes.tool_calls.get(key)
        if call is None:
            call = changes.tool_calls[key] = ToolCallChange(tenant, session, call_id)
        return call

    def _subagent(self, changes: TimelineChanges, position: int, event: Any) -> None:
        key = (event.tenant_id, event.session_id, event.agent_id)
        agent = changes.subagents.get(key)
        if agent is None:
            agent = SubagentChange(
                tenant_id=event.tenant_id,
                session_id=event.session_id,
                agent_id=event.agent_id,
                first_position=position,
                attribution=event.attribution,
            )
            changes.subagents[key] = agent
        agent.agent_type = agent.agent_type or storable.dimension(event.agent_type)
        if isinstance(event, AgentSession.SubagentStarted):
            agent.started_at = agent.started_at or event.timestamp
        elif isinstance(event, AgentSession.SubagentStopped):
            agent.stopped_at = event.timestamp
