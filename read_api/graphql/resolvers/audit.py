"""Resolver of the audit log (auditors and admins)."""

from __future__ import annotations

from projections.audit_log.queries import AuditFilter as Where
from read_api.graphql.context import ReadInfo
from read_api.graphql.resolvers.sessions import wait_for_position
from read_api.graphql.types.audit import AuditEntry, AuditFilter
from read_api.graphql.types.paging import Connection, Page
from read_api.graphql.types.records import from_record

PROJECTION = "audit_log"


async def audit_log(
    info: ReadInfo,
    filter: AuditFilter | None,
    first: int,
    after: str | None,
    min_position: int | None,
) -> Connection[AuditEntry]:
    await wait_for_position(info, min_position, PROJECTION)
    page = Page.of("Query.auditLog", "audit", first, after)
    f = filter or AuditFilter()
    records, more = await info.context.side.audit.entries(
        info.context.tenant_id, Where(f.actor, f.action, f.since), first, page.position
    )
    return page.connection(((from_record(AuditEntry, r), r.position) for r in records), more)
