"""Model calls in, one usage record per call out, plus the sessions' projects (no I/O).

A record carries the call's dimensions — tenant, session, user (account), team, model, agent
— its four token counts (Claude Code's ``input_tokens`` excludes cache reads and writes), its
cost in US dollars and its latency. Its time is when the agent says the call happened (its
``event.timestamp``), else when Observatory received it.

The project is a session fact, as in ``agent_metrics``: the last path component of the first
``cwd`` a hook of the session reported. Views remember it per session, with the hook's log
position, and give it to every call after that position; a call before any hook of its
session keeps the project its own record names (a ``project`` / ``project.name`` resource
attribute), else ''. The agent is
the record's ``gen_ai.agent.id`` / ``gen_ai.agent.name`` / ``agent.id`` / ``agent.type``
attribute, '' when it says none (Claude Code's ``api_request`` does not).

Everything here depends on the event alone (and, for the project, on the log before it), so
any batch boundaries give the same records and the same sums: a rebuild equals the
incremental view. ``buckets`` sums records into per-minute, hour or day rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.sessions.aggregate import AgentSession
from projections import storable
from projections.agent_metrics.projection import project_of
from projections.event_analytics.projection import event_id_text
from projections.usage.counts import COUNTS, Rollup, UsageCounts, truncate

__all__ = ["COUNTS", "NAME", "UsageChanges", "UsageCounts", "UsageProjection", "UsageRecord"]

NAME = "usage"

DIMENSIONS = ("session_id", "user_id", "team", "project", "agent", "model")
"""A record's dimensions, in the order of ``UsageRecord.dimensions`` and of the key columns."""

_AGENT_ATTRIBUTES = ("gen_ai.agent.id", "gen_ai.agent.name", "agent.id", "agent.type")
_PROJECT_ATTRIBUTES = ("project", "project.name")


@dataclass(frozen=True)
class UsageRecord:
    """One model call. ``project`` is what the record itself says; views prefer the
    session's (``UsageChanges.projects``)."""

    tenant_id: str
    event_id: str
    position: int
    at: datetime
    session_id: str
    user_id: str
    team: str
    project: str
    agent: str
    model: str
    counts: UsageCounts

    def dimensions(self, project: str) -> tuple[str, ...]:
        return (self.session_id, self.user_id, self.team, project, self.agent, self.model)


@dataclass
class UsageChanges:
    records: list[UsageRecord] = field(default_factory=list)
    projects: dict[tuple[str, str], SessionProject] = field(default_factory=dict)
    """(tenant, session) -> project, from the first hook of each session in this batch that
    names a cwd (a view keeps the first it ever stored)."""


SessionProject = tuple[str, int]
"""(project, the log position of the hook that named it): a call takes its session's project
only if that hook comes before it in the log, so no batch boundary and no replayed batch
(which sees facts stored after it) changes a call's project."""


def project_for(record: UsageRecord, known: Mapping[tuple[str, str], SessionProject]) -> str:
    fact = known.get((record.tenant_id, record.session_id))
    return fact[0] if fact is not None and fact[1] < record.position else record.project


UsageKey = tuple[Any, ...]
"""(tenant, bucket start, *dimensions) with the dimensions a rollup keeps."""


def buckets(
    records: Iterable[UsageRecord], projects: Mapping[tuple[str, str], SessionProject],
    unit: Rollup, keys: tuple[str, ...] = DIMENSIONS,
) -> dict[UsageKey, UsageCounts]:  # fmt: skip
    """The records summed per (tenant, bucket, the dimensions named in ``keys``, in that
    order): every rollup is one choice of unit and keys."""
    picks = [DIMENSIONS.index(k) for k in keys]
    out: dict[UsageKey, UsageCounts] = {}
    for r in records:
        dims = r.dimensions(project_for(r, projects))
        key = (r.tenant_id, truncate(r.at, unit), *(dims[i] for i in picks))
        counts = out.get(key)
        if counts is None:
            counts = out[key] = UsageCounts()
        counts.add(r.counts)
    return out


class UsageProjection:
    def changes(self, events: Iterable[tuple[int, object]]) -> UsageChanges:
        out = UsageChanges()
        for position, event in events:
            if isinstance(event, AgentSession.ModelCallRecorded):
                out.records.append(record_of(position, event))
            elif isinstance(event, AgentSession.HookRecorded):
                key = (event.tenant_id, storable.dimension(event.session_id) or "")
                if key not in out.projects:
                    project = project_of(event.payload_json)
                    if project:
                        out.projects[key] = (project, position)
        return out


def record_of(position: int, event: AgentSession.ModelCallRecorded) -> UsageRecord:
    said = _said(event.payload_json)
    return UsageRecord(
        event.tenant_id, event_id_text(event.originator_id, event.originator_version),
        position, event.occurred_at or event.timestamp,
        storable.dimension(event.session_id) or "", storable.dimension(event.user_id) or "",
        storable.dimension(event.team) or "", said["project"], said["agent"],
        storable.dimension(event.model) or "",
        UsageCounts(
            calls=1, errors=int(event.error is not None),
            input_tokens=event.input_tokens, output_tokens=event.output_tokens,
            cache_read_tokens=event.cache_read_tokens,
            cache_creation_tokens=event.cache_creation_tokens,
            cost_usd=event.cost_usd, duration_sum_ms=event.duration_ms or 0.0,
        ),
    )  # fmt: skip


def _said(payload_json: str) -> dict[str, str]:
    """The agent and project the record itself names (attributes, then resource)."""
    try:
        payload = json.loads(payload_json)
    except ValueError:
        payload = None
    found = {"agent": "", "project": ""}
    if not isinstance(payload, dict):
        return found
    for part in ("attributes", "resource"):
        values = payload.get(part)
        if not isinstance(values, dict):
            continue
        for name, keys in (("agent", _AGENT_ATTRIBUTES), ("project", _PROJECT_ATTRIBUTES)):
            said = [values[k] for k in keys if isinstance(values.get(k), str) and values[k]]
            if said and not found[name]:
                found[name] = storable.dimension(said[0]) or ""
    return found
