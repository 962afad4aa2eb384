"""Resolver of activity (what the agents' metrics report, PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

from read_api.graphql.context import ReadInfo
from read_api.graphql.resolvers.metrics import time_range
from read_api.graphql.resolvers.sessions import wait_for_position
from read_api.graphql.types.activity import Activity, ActivityGrouping
from read_api.graphql.types.paging import check_first

PROJECTION = "activity"


async def activity(info: ReadInfo, since: datetime, until: datetime | None,
                   by: ActivityGrouping, session_id: str | None, first: int,
                   min_position: int | None) -> list[Activity]:  # fmt: skip
    start, end = time_range(since, until)
    await wait_for_position(info, min_position, PROJECTION)
    queries = info.context.side.activity
    if queries is None:
        raise RuntimeError("activity is not served by this process")
    rows = await queries.activity(
        info.context.tenant_id, start, end, by.value, session_id=session_id,
        first=check_first(first, "Query.activity"),
    )  # fmt: skip
    return [Activity.of(row) for row in rows]
