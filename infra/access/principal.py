"""Roles, what each may do, and the authenticated caller (``Principal``).

Roles (a caller may hold several):

* ``agent``: records hooks (ingest) and nothing else; what an API key for a hook holds;
* ``viewer``: reads sessions, decisions and policies;
* ``operator``: a viewer who also changes guardrails and quarantines;
* ``auditor``: a viewer who also replays, exports, reads the audit log and unseals;
* ``admin``: everything, including managing API keys and erasing personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    AGENT = "agent"
    VIEWER = "viewer"
    OPERATOR = "operator"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Permission(StrEnum):
    INGEST = "ingest"
    READ = "read"
    OPERATE = "operate"
    AUDIT = "audit"
    UNSEAL = "unseal"
    ADMINISTER = "administer"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.AGENT: frozenset({Permission.INGEST}),
    Role.VIEWER: frozenset({Permission.READ}),
    Role.OPERATOR: frozenset({Permission.READ, Permission.OPERATE}),
    Role.AUDITOR: frozenset({Permission.READ, Permission.AUDIT, Permission.UNSEAL}),
    Role.ADMIN: frozenset(Permission),
}

ROLE_NAMES = tuple(role.value for role in Role)


def parse_roles(names: Any) -> frozenset[Role]:
    """The known roles among ``names`` (a list, or one space/comma separated string)."""
    if isinstance(names, str):
        names = names.replace(",", " ").split()
    if not isinstance(names, (list, tuple, set, frozenset)):
        return frozenset()
    return frozenset(Role(n) for n in names if isinstance(n, str) and n in ROLE_NAMES)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    subject: str
    """Who: the token's ``sub``, or ``key:<id>`` for an API key."""
    tenant_id: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    via: str = "token"
    """``token``, ``key`` or ``insecure`` (authentication switched off)."""
    teams: frozenset[str] = field(default_factory=frozenset)
    """The teams the caller belongs to (the token's ``teams`` claim): who may answer an
    approval rule that names teams."""

    def can(self, permission: Permission | str) -> bool:
        wanted = Permission(permission)
        return any(wanted in GRANTS[role] for role in self.roles)

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return self.subject


def principal_of(connection: Any) -> Principal | None:
    """The caller of a Litestar request (None where authentication does not apply)."""
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else None


def tenant_of(connection: Any, default: str) -> str:
    """The caller's tenant; ``default`` only where no principal is attached (unit tests)."""
    principal = principal_of(connection)
    return principal.tenant_id if principal is not None else default


PENDING = "connection_init"
"""``Principal.via`` of a GraphQL WebSocket whose credential is yet to come (in its
connection_init payload)."""
