"""Resolver of the audit log (auditors and admins)."""

from __future__ import annotations

from projections.audit_log.queries import AuditFilter as Where
from read_api.graphql.context import ReadInfo
from read_api.graphql.resolvers.sessions import page_start, wait_for_position
from read_api.graphql.types.audit import AuditEntry, AuditFilter
from read_api.graphql.types.paging import Connection, Edge, page_info
from read_api.graphql.types.records import from_record
from read_api.graphql.types.session import encode_cursor

PROJECTION = "audit_log"


async def audit_log(
    info: ReadInfo,
    filter: AuditFilter | None,
    first: int,
    after: str | None,
    min_position: int | None,
) -> Connection[AuditEntry]:
    await wait_for_position(info, min_position, PROJECTION)
    before = page_start(first, after, "audit", "Query.auditLog")
    f = filter or AuditFilter()
    records, more = await info.context.side.audit.entries(
        info.context.tenant_id, Where(f.actor, f.action, f.since), first, before
    )
    edges = [Edge(node=from_record(AuditEntry, r), cursor=encode_cursor("audit", r.position))
             for r in records]  # fmt: skip
    cursors = [edge.cursor for edge in edges]
    return Connection(edges=edges, page_info=page_info(cursors, more, after is not None))
