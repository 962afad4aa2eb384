"""Metric data points in, per-minute activity increments out (no I/O).

One row per (tenant, minute, session, user, team, model) of what Claude Code's counters add
(``MetricRecorded.increment``: delta and cumulative exports alike): lines added and removed,
commits, pull requests, edit decisions accepted and rejected, active seconds (the user's and
the CLI's), sessions started, and cost and tokens *as the metrics report them*. The minute is
the data point's time (the end of its interval), else when Observatory received it.

Cost and tokens are kept apart from the ``usage`` view on purpose: Claude Code reports the same
spend twice, per call as ``claude_code.api_request`` log events (``usage``) and summed as
``cost.usage`` / ``token.usage`` metrics (here). Adding the two would count it twice; a client
may export either signal or both, so each view answers for its own signal. Counters only add,
so any batch boundaries give the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.sessions.aggregate import AgentSession
from projections import storable
from projections.activity.tables import COUNTS

NAME = "activity"

ActivityKey = tuple[str, object, str, str, str, str]
"""(tenant, minute, session, user, team, model); '' where the data point did not say."""

_BY_TYPE = {
    "claude_code.lines_of_code.count": {"added": "lines_added", "removed": "lines_removed"},
    "claude_code.active_time.total": {"user": "active_user_seconds", "cli": "active_cli_seconds"},
    "claude_code.token.usage": {"input": "input_tokens", "output": "output_tokens",
                                "cacheRead": "cache_read_tokens",
                                "cacheCreation": "cache_creation_tokens"},
    "claude_code.code_edit_tool.decision": {},
}  # fmt: skip
_WHOLE = {
    "claude_code.session.count": "sessions", "claude_code.commit.count": "commits",
    "claude_code.pull_request.count": "pull_requests", "claude_code.cost.usage": "cost_usd",
}  # fmt: skip
_DECISIONS = {"accept": "edits_accepted", "reject": "edits_rejected"}


def column_of(event: AgentSession.MetricRecorded) -> str | None:
    """The counter a data point adds to, or None for a metric this view does not show."""
    if event.event_name in _WHOLE:
        return _WHOLE[event.event_name]
    if event.event_name == "claude_code.code_edit_tool.decision":
        return _DECISIONS.get(event.decision or "")
    return _BY_TYPE.get(event.event_name, {}).get(event.type or "")


@dataclass
class ActivityChanges:
    minutes: dict[ActivityKey, dict[str, float]] = field(default_factory=dict)


class ActivityProjection:
    def changes(self, events: Iterable[tuple[int, object]]) -> ActivityChanges:
        out = ActivityChanges()
        for _, event in events:
            if not isinstance(event, AgentSession.MetricRecorded) or not event.increment:
                continue
            column = column_of(event)
            if column is None:
                continue
            at = event.occurred_at or event.timestamp
            key = (
                event.tenant_id, at.replace(second=0, microsecond=0),
                storable.dimension(event.session_id) or "",
                storable.dimension(event.user_id) or "", storable.dimension(event.team) or "",
                storable.dimension(event.model) or "",
            )  # fmt: skip
            row = out.minutes.setdefault(key, dict.fromkeys(COUNTS, 0.0))
            row[column] += event.increment
        return out
