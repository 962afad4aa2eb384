"""Which rollup answers which part of a time range: whole days from the day rows, whole hours
from the hour rows, the ragged ends from the minute rows (pure).

So "this month until now" reads a day row per day and group, a few hour rows and at most
two hours of minutes, and the answer is the same as summing every minute.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from projections.usage.counts import Unit, truncate

Segment = tuple[Unit, datetime, datetime]
"""(the rollup to read, from, until): [from, until) lies on that rollup's bucket bounds, but
for minute segments, which start and end where the asked range does."""

_ORDER: tuple[Unit, ...] = ("minute", "hour", "day")
_STEP = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


def _ceil(at: datetime, unit: Unit) -> datetime:
    floor = truncate(at, unit)
    return floor if floor == at else floor + _STEP[unit]


def segments(since: datetime, until: datetime, coarsest: Unit) -> list[Segment]:
    """[since, until) cut into segments, none read from a rollup coarser than ``coarsest``."""
    if since >= until:
        return []
    if coarsest == "minute":
        return [("minute", since, until)]
    finer: Unit = _ORDER[_ORDER.index(coarsest) - 1]
    start, end = _ceil(since, coarsest), truncate(until, coarsest)
    if start >= end:
        return segments(since, until, finer)
    return [
        *segments(since, start, finer), (coarsest, start, end), *segments(end, until, finer),
    ]  # fmt: skip
