"""GraphQL types of the audit log: who did what, when."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from read_api.graphql.types.session import Position


@strawberry.type(description="One command someone issued (a rule change, a key, an erasure…).")
class AuditEntry:
    position: Position
    at: datetime
    actor: str = strawberry.field(description="Who: a token's subject, key:<id>, or cli:user@host.")
    action: str = strawberry.field(description="e.g. rule.added, key.revoked, session.unsealed.")
    target: str
    detail: JSON


@strawberry.input(description="Narrow the audit log; every field is optional.")
class AuditFilter:
    actor: str | None = None
    action: str | None = strawberry.field(
        default=None, description="An action, or a prefix ending in a dot (`rule.`)."
    )
    since: datetime | None = None
