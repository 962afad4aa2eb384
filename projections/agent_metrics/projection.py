"""Events in, per-minute metric increments out (no I/O).

One row per (tenant, minute, session, agent, tool): tool calls, completed and failed,
denials (Observatory's deny decisions and Claude Code's auto-mode classifier's), Observatory's
asks, durations as a histogram, subagents started. A call with a ``tool_use_id`` counts once
however many hooks saw it (PreToolUse, PermissionDenied, PostToolUse, PostToolBatch…): see
``calls.py``; the view settles those marks against what it already counted.
The session's project (the last path component of its first ``cwd``) and model (from
``SessionStart``) are session facts the view resolves, so every minute row carries them.
Tokens and cost are not here: Claude Code hooks do not carry them (OTLP metrics will).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from posixpath import basename
from typing import Any

from domain.sessions.aggregate import AgentSession
from domain.sessions.hooks import batch_calls
from projections import storable
from projections.agent_metrics import histogram
from projections.agent_metrics.calls import BATCH, CALL, COMPLETED, DENIED, FAILED, CallMark
from projections.agent_metrics.counts import MinuteCounts, MinuteKey

__all__ = ["NAME", "AgentMetricsProjection", "MetricsChanges", "MinuteCounts", "MinuteKey"]

NAME = "agent_metrics"

MAIN_AGENT = "main"
"""The ``agent`` of hooks from the session's own agent (not a subagent)."""

_CWD = re.compile(r'"cwd"\s*:\s*"((?:[^"\\]|\\.)*)"')


@dataclass
class SessionFacts:
    project: str = ""
    model: str = ""


@dataclass
class MetricsChanges:
    minutes: dict[MinuteKey, MinuteCounts] = field(default_factory=dict)
    calls: list[CallMark] = field(default_factory=list)
    """Hooks about calls with a tool_use_id, in log order: the view counts each call once."""
    sessions: dict[tuple[str, str], SessionFacts] = field(default_factory=dict)
    """Facts seen in this batch: project from the first cwd, model from SessionStart."""


def minute_of(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def project_of(payload_json: str) -> str:
    found = _CWD.search(payload_json)
    if not found:
        return ""
    cwd = str(json.loads(f'"{found.group(1)}"'))
    return storable.dimension(basename(cwd.rstrip("/")) or cwd) or ""


class AgentMetricsProjection:
    """Decisions name the agent by id only; its type comes from the PreToolUse hook just
    before it in the log, remembered here by tool_use_id (the decision is committed with its
    hook, so the hook is always seen first; a restart between the two falls back to
    ``subagent``)."""

    def __init__(self) -> None:
        self._agent_of_call: dict[str, str] = {}

    def changes(self, events: Iterable[tuple[int, object]]) -> MetricsChanges:
        out = MetricsChanges()
        for _, event in events:
            if isinstance(event, AgentSession.HookRecorded):
                self._hook(out, event)
            elif isinstance(event, AgentSession.ToolCallDecided) and event.decision in (
                "deny", "ask",
            ):  # fmt: skip
                agent = self._agent_of_call.pop(event.tool_use_id or "", None)
                if agent is None:
                    agent = "subagent" if event.agent_id else MAIN_AGENT
                counts = self._counts(out, event, agent, event.tool_name)
                if event.decision == "deny":
                    counts.denials += 1
                else:
                    counts.asks += 1
        return out

    def _hook(self, out: MetricsChanges, event: Any) -> None:
        key = (event.tenant_id, event.session_id)
        facts = out.sessions.get(key)
        if facts is None:
            facts = out.sessions[key] = SessionFacts(project=project_of(event.payload_json))
        if isinstance(event, AgentSession.Started):
            model = json.loads(event.payload_json).get("model")
            if isinstance(model, str):
                facts.model = storable.dimension(model) or ""
        if isinstance(event, AgentSession.SubagentStarted):
            self._counts(out, event, event.agent_type, None).subagents += 1
        elif isinstance(event, AgentSession.ToolCallRequested):
            if event.tool_use_id:
                if len(self._agent_of_call) > 10_000:  # decisions follow at once; stay small
                    self._agent_of_call.clear()
                self._agent_of_call[event.tool_use_id] = event.agent_type or MAIN_AGENT
                self._mark(out, event, event.tool_name, CALL)
            else:
                self._counts(out, event, event.agent_type, event.tool_name).calls += 1
        elif isinstance(event, AgentSession.PermissionDenied) and event.tool_use_id:
            self._mark(out, event, event.tool_name, DENIED)
        elif isinstance(event, (AgentSession.ToolCallCompleted, AgentSession.ToolCallFailed)):
            failed = isinstance(event, AgentSession.ToolCallFailed)
            if event.tool_use_id:
                self._mark(out, event, event.tool_name, FAILED if failed else COMPLETED)
                return
            counts = self._counts(out, event, event.agent_type, event.tool_name)
            if failed:
                counts.failures += 1
            else:
                counts.completed += 1
            if event.duration_ms is not None:
                counts.duration_sum_ms += event.duration_ms
                counts.durations[histogram.bucket_of(event.duration_ms)] += 1
        elif isinstance(event, AgentSession.ToolBatchCompleted):
            for item in batch_calls(json.loads(event.payload_json)):
                tool = item.tool.name if item.tool else None
                self._mark(out, event, tool, BATCH, item.tool_use_id)

    def _mark(
        self, out: MetricsChanges, event: Any, tool: str | None, kind: str,
        call_id: str | None = None,
    ) -> None:  # fmt: skip
        # agent and tool are index keys, cut as in _counts (projections.storable)
        minute = (event.tenant_id, minute_of(event.timestamp), event.session_id,
                  storable.dimension(event.agent_type) or MAIN_AGENT,
                  storable.dimension(tool) or "")  # fmt: skip
        call = (event.tenant_id, event.session_id, call_id or event.tool_use_id)
        duration = getattr(event, "duration_ms", None)
        out.calls.append(CallMark(call, minute, kind, duration))

    @staticmethod
    def _counts(
        out: MetricsChanges, event: Any, agent: str | None, tool: str | None
    ) -> MinuteCounts:
        # agent and tool are index keys: cut to a storable length (projections.storable)
        key = (event.tenant_id, minute_of(event.timestamp), event.session_id,
               storable.dimension(agent) or MAIN_AGENT, storable.dimension(tool) or "")  # fmt: skip
        counts = out.minutes.get(key)
        if counts is None:
            counts = out.minutes[key] = MinuteCounts()
        return counts
