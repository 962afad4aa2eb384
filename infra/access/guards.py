"""Litestar guards: the caller's roles must grant a permission (403 otherwise), and the
caller of a guarded route (``caller_of``).

Guards are coroutines on purpose: Litestar runs a plain function guard in a worker thread,
and that hop on every request cost the hook path more than deciding the tool call itself
(PreToolUse p50 19 → 47 ms at 500 requests/s; see docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from infra.access.errors import ForbiddenError, UnauthenticatedError
from infra.access.principal import Permission, Principal


def requires(
    permission: Permission,
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]:
    """A Litestar guard: the caller's roles must grant ``permission``."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if not isinstance(user, Principal) or not user.can(permission):
            roles = (
                ", ".join(sorted(r.value for r in user.roles))
                if isinstance(user, Principal)
                else "none"
            )
            raise ForbiddenError(
                f"this needs the {permission.value} permission; your roles: {roles or 'none'}"
            )

    return guard


def caller_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The authenticated caller of a route behind the authentication middleware (401 if the
    route was mounted without it, rather than acting for nobody)."""
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise UnauthenticatedError("this route needs an authenticated caller")
    return user
