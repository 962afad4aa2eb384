"""Resolver of usage (tokens and cost, PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

from read_api.graphql.context import ReadInfo
from read_api.graphql.resolvers.metrics import time_range
from read_api.graphql.resolvers.sessions import wait_for_position
from read_api.graphql.types.paging import check_first
from read_api.graphql.types.usage import Usage, UsageGrouping

PROJECTION = "usage"


async def usage(info: ReadInfo, since: datetime, until: datetime | None, by: UsageGrouping,
                session_id: str | None, model: str | None, first: int,
                min_position: int | None) -> list[Usage]:  # fmt: skip
    start, end = time_range(since, until)
    await wait_for_position(info, min_position, PROJECTION)
    queries = info.context.side.usage
    if queries is None:
        raise RuntimeError("usage is not served by this process")
    rows = await queries.usage(
        info.context.tenant_id, start, end, by.value, session_id=session_id, model=model,
        first=check_first(first, "Query.usage"),
    )  # fmt: skip
    return [Usage.of(row) for row in rows]
