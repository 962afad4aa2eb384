"""Resolvers of event analytics. The ClickHouse client blocks, so each query runs in a
thread; the connection is opened on first use (``ReadSide.analytics``)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from projections.event_analytics.queries import EventAnalyticsQueries
from read_api.graphql.context import ReadInfo
from read_api.graphql.types.analytics import (
    AgentActivity,
    SearchHit,
    ToolCount,
    ToolFailures,
    ToolLatency,
)
from read_api.graphql.types.paging import check_first
from read_api.graphql.types.records import from_record


class AnalyticsUnavailableError(RuntimeError):
    """This API process has no analytics store."""


def _queries(info: ReadInfo) -> EventAnalyticsQueries:
    factory = info.context.side.analytics
    if factory is None:
        raise AnalyticsUnavailableError("analytics are not configured on this server")
    return factory()


async def top_tools(info: ReadInfo, since: datetime | None, until: datetime | None,
                    first: int) -> list[ToolCount]:  # fmt: skip
    limit = check_first(first, "Query.topTools")
    found = await asyncio.to_thread(_queries(info).top_tools, info.context.tenant_id,
                                    since=since, until=until, limit=limit)  # fmt: skip
    return [from_record(ToolCount, r) for r in found]


async def failures(info: ReadInfo, since: datetime | None,
                   until: datetime | None) -> list[ToolFailures]:  # fmt: skip
    found = await asyncio.to_thread(_queries(info).failure_rates, info.context.tenant_id,
                                    since=since, until=until)  # fmt: skip
    return [ToolFailures.of(r) for r in found]


async def slowest(info: ReadInfo, since: datetime | None, until: datetime | None,
                  first: int) -> list[ToolLatency]:  # fmt: skip
    limit = check_first(first, "Query.slowestTools")
    found = await asyncio.to_thread(_queries(info).slowest_tools, info.context.tenant_id,
                                    since=since, until=until, limit=limit)  # fmt: skip
    return [from_record(ToolLatency, r) for r in found]


async def activity(
    info: ReadInfo, bucket_seconds: int, session_id: str | None, since: datetime | None,
    until: datetime | None,
) -> list[AgentActivity]:  # fmt: skip
    found = await asyncio.to_thread(
        _queries(info).agent_activity, info.context.tenant_id,
        bucket_seconds=max(60, min(bucket_seconds, 86_400)), session_id=session_id,
        since=since, until=until,
    )  # fmt: skip
    return [from_record(AgentActivity, r) for r in found]


async def search(info: ReadInfo, text: str, first: int) -> list[SearchHit]:
    if not text.strip():
        raise ValueError("search needs some text")
    found = await asyncio.to_thread(_queries(info).search, info.context.tenant_id, text,
                                    limit=check_first(first, "Query.searchEvents"))  # fmt: skip
    return [SearchHit.of(r) for r in found]
