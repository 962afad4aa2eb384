"""Who may issue a command over the write API (the guards), and who issued it (the actor
every command records)."""

from __future__ import annotations

from typing import Any

from litestar import Request

from infra.access.guards import requires
from infra.access.principal import Permission, principal_of

ACTOR_HEADER = "observatory-actor"
OPERATORS = [requires(Permission.OPERATE)]
READERS = [requires(Permission.READ)]


def actor_of(request: Request[Any, Any, Any]) -> str:
    """Who made the change: the authenticated caller (the header only without authentication,
    where it is the one way to say who it was)."""
    principal = principal_of(request)
    if principal is not None and principal.via != "insecure":
        return principal.actor
    return (request.headers.get(ACTOR_HEADER) or "operator")[:200]
