"""Resolvers for sessions: paging, one session, read-your-writes."""

from __future__ import annotations

from graphql import GraphQLError

from projections.session_timeline.queries import SessionFilter as Where
from read_api.graphql.context import ReadInfo
from read_api.graphql.types.paging import Connection, Page
from read_api.graphql.types.session import Session, SessionFilter
from read_api.waiting import PositionNotReachedError, PositionNotRecordedError


async def wait_for_position(
    info: ReadInfo, min_position: int | None, projection: str = "session_timeline"
) -> None:
    """Blocks until the read model holds ``min_position`` (read-your-writes)."""
    if min_position is None or min_position <= 0:
        return
    side = info.context.side
    try:
        await side.waiter.wait_for(projection, min_position, side.min_position_timeout)
    except PositionNotReachedError as error:
        extensions: dict[str, object] = {
            "code": "POSITION_NOT_REACHED", "wanted": error.wanted, "current": error.current,
        }  # fmt: skip
        if isinstance(error, PositionNotRecordedError):
            extensions["recorded"] = error.recorded
        raise GraphQLError(str(error), extensions=extensions) from None


async def sessions(
    info: ReadInfo,
    filter: SessionFilter | None = None,
    first: int = 20,
    after: str | None = None,
    min_position: int | None = None,
) -> Connection[Session]:
    await wait_for_position(info, min_position)
    page = Page.of("Query.sessions", "session", first, after)
    f = filter or SessionFilter()
    where = Where(
        status=f.status.value if f.status else None,
        project=f.project,
        model=f.model,
        since=f.active_since,
        until=f.started_before,
    )
    records, more = await info.context.side.timeline.sessions(
        info.context.tenant_id, where, first, page.position
    )
    return page.connection(((Session.of(r), r.first_position) for r in records), more)


async def session(info: ReadInfo, id: str, min_position: int | None = None) -> Session | None:
    await wait_for_position(info, min_position)
    record = await info.context.side.timeline.session(info.context.tenant_id, id)
    return Session.of(record) if record else None
