"""Which rollup answers which part of a time range: whole months from the month rows, whole
days from the day rows, whole hours from the hour rows, the ragged ends from the minute rows
(pure).

"This month until now" holds no whole month; read forward it is a day row per day and group
(a quarter of a million rows over 10 M calls). ``reads`` takes such a range as its month's
rows minus the rest of the month instead, when the rest is the shorter: "until now" leaves
the future as the rest, where there are no rows to read. Either way the answer is the same
as summing every minute.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from projections.usage.counts import Rollup, truncate

Segment = tuple[Rollup, datetime, datetime]
"""(the rollup to read, from, until): [from, until) lies on that rollup's bucket bounds, but
for minute segments, which start and end where the asked range does."""

_ORDER: tuple[Rollup, ...] = ("minute", "hour", "day", "month")
_STEP = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


def _next(floor: datetime, unit: Rollup) -> datetime:
    """The start of the bucket after the one starting at ``floor``."""
    if unit == "month":
        return floor.replace(year=floor.year + floor.month // 12, month=floor.month % 12 + 1)
    return floor + _STEP[unit]


def _ceil(at: datetime, unit: Rollup) -> datetime:
    floor = truncate(at, unit)
    return floor if floor == at else _next(floor, unit)


def segments(since: datetime, until: datetime, coarsest: Rollup) -> list[Segment]:
    """[since, until) cut into segments, none read from a rollup coarser than ``coarsest``."""
    if since >= until:
        return []
    if coarsest == "minute":
        return [("minute", since, until)]
    finer: Rollup = _ORDER[_ORDER.index(coarsest) - 1]
    start, end = _ceil(since, coarsest), truncate(until, coarsest)
    if start >= end:
        return segments(since, until, finer)
    return [
        *segments(since, start, finer), (coarsest, start, end), *segments(end, until, finer),
    ]  # fmt: skip


def reads(
    since: datetime, until: datetime, coarsest: Rollup
) -> tuple[list[Segment], list[Segment]]:
    """(segments to add, segments to subtract) that sum to [since, until): as ``segments``,
    but a ragged part of a month that covers more of it than it leaves out is read as the
    whole month minus the part left out."""
    if coarsest != "month" or since >= until:
        return segments(since, until, coarsest), []
    start, end = _ceil(since, "month"), truncate(until, "month")
    if start > end:  # within one month
        return _ragged(since, until)
    added: list[Segment] = [("month", start, end)] if start < end else []
    subtracted: list[Segment] = []
    for a, b in ((since, start), (end, until)):
        plus, minus = _ragged(a, b)
        added += plus
        subtracted += minus
    return added, subtracted


def _ragged(since: datetime, until: datetime) -> tuple[list[Segment], list[Segment]]:
    """[since, until) inside one month: forward, or the month minus the rest if shorter."""
    if since >= until:
        return [], []
    month = truncate(since, "month")
    after = _next(month, "month")
    if (since - month) + (after - until) >= until - since:
        return segments(since, until, "day"), []
    return [("month", month, after)], [*segments(month, since, "day"),
                                       *segments(until, after, "day")]  # fmt: skip
