"""Resolvers of agent metrics (PostgreSQL / TimescaleDB)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from projections.agent_metrics.queries import MetricsFilter as Where
from read_api.graphql.context import ReadInfo
from read_api.graphql.resolvers.sessions import wait_for_position
from read_api.graphql.types.metrics import MetricDimension, MetricPoint, MetricsFilter, MetricStep
from read_api.graphql.types.paging import check_first
from read_api.graphql.types.records import from_record

PROJECTION = "agent_metrics"

MAX_RANGE = timedelta(days=400)


class MetricsRangeError(ValueError):
    """since/until out of order or too far apart."""


def time_range(since: datetime, until: datetime | None) -> tuple[datetime, datetime]:
    until = until or datetime.now(UTC)
    if since.tzinfo is None or until.tzinfo is None:
        raise MetricsRangeError("give times with a zone, e.g. 2026-11-27T10:00:00Z")
    if not since < until or until - since > MAX_RANGE:
        raise MetricsRangeError("`since` must be before `until`, at most 400 days apart")
    return since, until


def _where(f: MetricsFilter | None) -> Where:
    f = f or MetricsFilter()
    return Where(f.project, f.session_id, f.agent, f.model, f.tool)


async def series(info: ReadInfo, since: datetime, until: datetime | None, step: MetricStep,
                 filter: MetricsFilter | None,
                 min_position: int | None) -> list[MetricPoint]:  # fmt: skip
    start, end = time_range(since, until)
    await wait_for_position(info, min_position, PROJECTION)
    points = await info.context.side.metrics.series(
        info.context.tenant_id,
        start,
        end,
        step.value,
        _where(filter),
    )
    return [from_record(MetricPoint, p) for p in points]


async def breakdown(info: ReadInfo, by: MetricDimension, since: datetime, until: datetime | None,
                    filter: MetricsFilter | None, first: int,
                    min_position: int | None) -> list[MetricPoint]:  # fmt: skip
    start, end = time_range(since, until)
    await wait_for_position(info, min_position, PROJECTION)
    points = await info.context.side.metrics.breakdown(
        info.context.tenant_id,
        start,
        end,
        by.value,
        _where(filter),
        check_first(first, "Query.agentMetricsBreakdown"),
    )
    return [from_record(MetricPoint, p) for p in points]
