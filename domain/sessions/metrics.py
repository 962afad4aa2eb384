"""One OTLP metric data point, and what it adds to its series (temporality, pure).

Claude Code's metrics are counters (``claude_code.token.usage``, ``cost.usage``,
``lines_of_code.count``…) exported with *delta* temporality by default; a user may choose
*cumulative* (``OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE``). A session event must say
what the point *adds*, whatever the temporality, so that the read models only ever sum.

A series is the metric's name, its attribute set and its resource's (the identity attributes,
which are the same for a whole session, left out). ``observe`` keeps, per series, the last
point's start time, time and value, and decides the increment:

- cumulative: the value minus the last value of the same run; a *reset* (a new start time, or
  a monotonic value that dropped) counts the new value whole; a point whose time is not after
  the last one's (a redelivered export, or one overtaken by a newer) adds 0;
- delta: the value itself, unless its interval ends at or before the last one seen (the same
  point delivered again adds 0);
- gauges are readings, not counts: no increment.

A histogram point counts by its ``sum`` (and its ``count``), under the same rules.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SUM, GAUGE, HISTOGRAM = "sum", "gauge", "histogram"

IDENTITY_ATTRIBUTES = frozenset({
    "session.id", "user.id", "user.account_uuid", "user.account_id", "user.email",
    "organization.id", "terminal.type", "app.version", "app.entrypoint",
})  # fmt: skip
"""Standard attributes that name who and where, constant within a session: not part of a
series' identity (and never hashed into the aggregate's state)."""


@dataclass(frozen=True)
class MetricPoint:
    """One data point as the domain needs it (the point itself is kept whole in the event)."""

    name: str
    kind: str
    """``sum``, ``gauge`` or ``histogram``."""
    unit: str
    value: float
    """The sum's or gauge's value; a histogram's ``sum``."""
    count: int | None
    """A histogram's ``count`` (None for sums and gauges)."""
    cumulative: bool
    monotonic: bool
    start_unix_nano: int
    time_unix_nano: int
    series: str
    """The series' identity (``series_of``)."""
    type: str | None = None
    model: str | None = None
    decision: str | None = None
    tool: str | None = None
    language: str | None = None
    decision_source: str | None = None
    """An edit decision's ``source`` attribute (config, hook, user_permanent…)."""


def series_of(
    name: str, attributes: Mapping[str, Any], resource: Mapping[str, Any] | None = None
) -> str:
    """A short, stable digest of the metric's name, its non-identity attributes and its
    resource's (OpenTelemetry's stream identity: two processes are two series)."""
    kept = [{k: v for k, v in values.items() if k not in IDENTITY_ATTRIBUTES}
            for values in (attributes, resource or {})]  # fmt: skip
    text = json.dumps([name, *kept], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


SeriesState = list[Any]
"""``[start_unix_nano, time_unix_nano, value, count]`` of a series' last counted point (a list,
as a snapshot stores it)."""


@dataclass(frozen=True)
class Observed:
    """What one point adds to its series, and the series' state afterwards."""

    increment: float | None
    count_increment: int | None
    state: SeriesState | None
    """None: the series keeps no state (gauges)."""


def observe(last: SeriesState | None, point: MetricPoint) -> Observed:
    """The increment ``point`` brings after ``last`` (see the module doc)."""
    if point.kind == GAUGE:
        return Observed(None, None, None)
    now = [point.start_unix_nano, point.time_unix_nano, point.value, point.count]
    if last is not None and _not_newer(last, point):
        return Observed(0.0, 0 if point.count is not None else None, last)
    if not point.cumulative or last is None or _reset(last, point):
        return Observed(point.value, point.count, now)
    count = None if point.count is None else point.count - int(last[3] or 0)
    return Observed(point.value - float(last[2]), count, now)


def _not_newer(last: SeriesState, point: MetricPoint) -> bool:
    """Already counted: the point ends no later than the last one (same run, or an older run)."""
    start, time = int(last[0]), int(last[1])
    if point.cumulative and point.start_unix_nano != start:
        return point.start_unix_nano < start or point.time_unix_nano <= time
    return point.time_unix_nano <= time


def _reset(last: SeriesState, point: MetricPoint) -> bool:
    if point.start_unix_nano != int(last[0]):
        return True
    if point.count is not None and point.count < int(last[3] or 0):
        return True
    return point.monotonic and point.value < float(last[2])


MAX_VALUE = 1e15
"""Larger than any count, token total, cost or duration a session reports."""

DIMENSIONS = {
    "type": ("type",),
    "model": ("model",),
    "decision": ("decision",),
    "tool": ("tool_name", "tool"),
    "language": ("language",),
    "decision_source": ("source",),
}
"""The typed dimensions and the attributes they are read from (``tool_name`` is Claude Code's
current name, ``tool`` its earlier one)."""


def read_point(
    name: str, attributes: Mapping[str, Any], resource: Mapping[str, Any], *, kind: str,
    unit: str, value: float, count: int | None, cumulative: bool, monotonic: bool,
    start_unix_nano: int, time_unix_nano: int, problems: list[str],
) -> MetricPoint:  # fmt: skip
    """The point's typed view; what does not fit is added to ``problems``."""
    if not (0 < len(name) <= 255 and name.isprintable()):
        problems.append("metric name: expected 1 to 255 printable characters")
    if not (math.isfinite(value) and -MAX_VALUE <= value <= MAX_VALUE):
        problems.append(f"{name}: value: expected a finite number within ±{MAX_VALUE:g}")
        value = 0.0
    dimensions: dict[str, str | None] = {}
    for field, keys in DIMENSIONS.items():
        raw = next((attributes[k] for k in keys if attributes.get(k) not in (None, "")), None)
        if raw is not None and not (isinstance(raw, str) and len(raw) <= 256):
            problems.append(f"{name}: {keys[0]}: expected a string of at most 256 characters")
            raw = None
        dimensions[field] = raw
    return MetricPoint(
        name=name, kind=kind, unit=unit[:64], value=value + 0.0, count=count,
        cumulative=cumulative, monotonic=monotonic, start_unix_nano=start_unix_nano,
        time_unix_nano=time_unix_nano, series=series_of(name, attributes, resource), **dimensions,
    )  # fmt: skip
