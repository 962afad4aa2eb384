"""Counting each tool call once, whichever hooks saw it and in whatever order (no I/O).

A call (one ``tool_use_id``) may be seen by PreToolUse, PermissionDenied (Claude Code's
auto-mode classifier, which can deny a call before any PreToolUse reaches us), PostToolUse or
PostToolUseFailure, and by a PostToolBatch that names it with others. Each such hook is a
``CallMark``; ``settle`` folds marks, in log order, over what was already counted for each
call (``ended``, kept by the view), so that:

- a call counts once in ``calls``, at the first mark;
- it ends once: ``completed``, ``failures`` or ``denials`` (the classifier's; Observatory's
  own denials are counted from its decisions);
- a batch's completion is weak: it counts ``completed`` only for a call nothing ended yet, and
  a PostToolUse, failure or denial that arrives after it takes its place (the batch's count
  moves to the later hook's minute row, so sums over any range stay exact).

Marks are applied in log order, so any batching gives the same rows (rebuild = incremental).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from projections.agent_metrics import histogram
from projections.agent_metrics.counts import MinuteCounts, MinuteKey

CallKey = tuple[str, str, str]
"""(tenant, session, tool_use_id)"""

CALL, COMPLETED, FAILED, DENIED, BATCH = "call", "completed", "failed", "denied", "batch"
NOT_ENDED = ""


@dataclass(frozen=True)
class CallMark:
    call: CallKey
    minute: MinuteKey
    kind: str
    """call (PreToolUse) | completed | failed | denied (PermissionDenied) | batch"""
    duration_ms: float | None = None


@dataclass(frozen=True)
class CallState:
    ended: str
    seen_at: datetime


def settle(
    marks: list[CallMark], stored: dict[CallKey, CallState]
) -> tuple[dict[MinuteKey, MinuteCounts], dict[CallKey, CallState]]:
    """Minute increments for ``marks`` and every call's new state (only calls marked)."""
    minutes: dict[MinuteKey, MinuteCounts] = {}
    states: dict[CallKey, CallState] = {}
    for mark in marks:
        known = states.get(mark.call) or stored.get(mark.call)
        counts = minutes.get(mark.minute)
        if counts is None:
            counts = minutes[mark.minute] = MinuteCounts()
        ended = NOT_ENDED
        if known is None:
            counts.calls += 1
        else:
            ended = known.ended
        if mark.kind == BATCH and ended == NOT_ENDED:
            counts.completed += 1
            ended = BATCH
        elif mark.kind in (COMPLETED, FAILED, DENIED) and ended in (NOT_ENDED, BATCH):
            if ended == BATCH:
                counts.completed -= 1  # the batch's completion gives way to this hook's
            _end(counts, mark)
            ended = mark.kind
        seen = mark.minute[1] if known is None else max(known.seen_at, mark.minute[1])
        states[mark.call] = CallState(ended, seen)
    return minutes, states


def _end(counts: MinuteCounts, mark: CallMark) -> None:
    if mark.kind == COMPLETED:
        counts.completed += 1
    elif mark.kind == FAILED:
        counts.failures += 1
    else:
        counts.denials += 1
    if mark.kind != DENIED and mark.duration_ms is not None:
        counts.duration_sum_ms += mark.duration_ms
        counts.durations[histogram.bucket_of(mark.duration_ms)] += 1
