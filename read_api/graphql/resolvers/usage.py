"""Resolver of usage (tokens and cost): PostgreSQL's rollups, or ClickHouse's when the server
is configured so (``OBSERVATORY_USAGE_STORE``); the ClickHouse client blocks, so its queries
run in a thread."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import datetime
from typing import Any

from projections.usage.queries import UsageAsk, UsageRow
from read_api.graphql.context import ReadInfo
from read_api.graphql.resolvers.metrics import time_range
from read_api.graphql.resolvers.sessions import wait_for_position
from read_api.graphql.types.paging import check_first
from read_api.graphql.types.usage import Usage, UsageBucket, UsageFilter, UsageGrouping

PROJECTION = "usage"
CLICKHOUSE_PROJECTION = "usage_analytics"
_BUCKETS = ("minute", "hour", "day")


class UsageGroupingError(ValueError):
    """Neither a grouping nor a bucket, or two different buckets."""


async def usage(info: ReadInfo, since: datetime, until: datetime | None,
                by: UsageGrouping | None, per: UsageBucket | None, session_id: str | None,
                model: str | None, filter: UsageFilter | None, first: int,
                min_position: int | None) -> list[Usage]:  # fmt: skip
    start, end = time_range(since, until)
    ask = UsageAsk(
        info.context.tenant_id, start, end, *_grouping(by, per),
        filters=_filters(filter, session_id=session_id, model=model),
        first=check_first(first, "Query.usage"),
    )  # fmt: skip
    side = info.context.side
    if side.usage_clickhouse is not None:
        await wait_for_position(info, min_position, CLICKHOUSE_PROJECTION)
        queries = side.usage_clickhouse()
        rows: list[UsageRow] = await asyncio.to_thread(queries.usage, ask)
    else:
        await wait_for_position(info, min_position, PROJECTION)
        if side.usage is None:
            raise RuntimeError("usage is not served by this process")
        rows = await side.usage.usage(ask)
    return [Usage.of(row) for row in rows]


def _grouping(by: UsageGrouping | None, per: UsageBucket | None) -> tuple[Any, Any]:
    """(dimension or None, bucket or None); ``by: DAY`` is the older spelling of ``per``."""
    bucket = per.value if per else None
    if by is not None and by.value in _BUCKETS:
        if bucket not in (None, by.value):
            raise UsageGroupingError(f"`by: {by.name}` and `per: {per and per.name}` disagree")
        return None, by.value
    if by is None and bucket is None:
        raise UsageGroupingError("give `by` (a dimension), `per` (a bucket), or both")
    return (by.value if by else None), bucket


def _filters(f: UsageFilter | None, **older: str | None) -> dict[Any, str]:
    """The filter's values; the older ``sessionId`` / ``model`` arguments still count."""
    given = {**(asdict(f) if f else {})}
    for name, value in older.items():
        if value is not None:
            given[name] = value
    return {k: v for k, v in given.items() if v is not None}
