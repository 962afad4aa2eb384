"""Resolvers of live state (Redis) and the live subscriptions."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta

from projections.live_state.queries import LiveStateQueries
from read_api.graphql.context import ReadInfo
from read_api.graphql.resolvers.sessions import wait_for_position
from read_api.graphql.types.live import LiveCounters, LiveEvent, LiveSession
from read_api.graphql.types.paging import check_first

PROJECTION = "live_state"


class LiveStateUnavailableError(RuntimeError):
    """This API process has no Redis configured."""


async def _live(info: ReadInfo, min_position: int | None = None) -> LiveStateQueries:
    """The live state, once it holds ``min_position`` (read-your-writes)."""
    live = info.context.side.live
    if live is None:
        raise LiveStateUnavailableError(
            "live state is not configured on this server (set OBSERVATORY_REDIS_URL)"
        )
    await wait_for_position(info, min_position, PROJECTION)
    return live


async def sessions(
    info: ReadInfo, within_minutes: int, first: int, min_position: int | None
) -> list[LiveSession]:
    live, tenant = await _live(info, min_position), info.context.tenant_id
    window = timedelta(minutes=max(1, min(within_minutes, 24 * 60)))
    found = await live.active_sessions(tenant, window, check_first(first, "Query.liveSessions"))
    return [LiveSession.of(s) for s in found]


async def session(info: ReadInfo, session_id: str, min_position: int | None) -> LiveSession | None:
    found = await (await _live(info, min_position)).session(info.context.tenant_id, session_id)
    return None if found is None else LiveSession.of(found)


async def counters(info: ReadInfo, min_position: int | None) -> LiveCounters:
    return LiveCounters.of(await (await _live(info, min_position)).counters(info.context.tenant_id))


async def events(info: ReadInfo, session_id: str | None) -> AsyncGenerator[LiveEvent, None]:
    """The tenant's live events (one session's, if given) from the moment of subscribing."""
    subscription = await (await _live(info)).subscribe(info.context.tenant_id)
    try:
        async for event in subscription:
            if session_id is None or event["session_id"] == session_id:
                yield LiveEvent.of(event)
    finally:
        await subscription.close()
