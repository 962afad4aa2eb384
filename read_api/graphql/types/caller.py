"""Who the caller is, so a client (the dashboard) shows only what the caller may do."""

from __future__ import annotations

import strawberry

from infra.access.principal import Permission, Principal


@strawberry.type(description="The authenticated caller: their roles and what those allow.")
class Caller:
    subject: str = strawberry.field(description="A token's subject, or key:<id> for an API key.")
    tenant_id: str
    roles: list[str] = strawberry.field(description="viewer, operator, auditor, admin, agent.")
    permissions: list[str] = strawberry.field(
        description="read, operate, audit, unseal, administer, ingest: what the roles grant."
    )
    via: str = strawberry.field(description="token, key or insecure (authentication off).")

    @classmethod
    def of(cls, principal: Principal) -> Caller:
        return cls(
            subject=principal.subject,
            tenant_id=principal.tenant_id,
            roles=sorted(role.value for role in principal.roles),
            permissions=[p.value for p in Permission if principal.can(p)],
            via=principal.via,
        )
