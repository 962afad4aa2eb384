"""The read API's HTTP surface: GraphQL at ``/graphql`` (GraphiQL in a browser).

The entry point puts a ``ReadSide`` in ``app.state.read_side`` during its lifespan. Every
GraphQL request needs the ``read`` permission (403 otherwise), except the GraphiQL page
itself; fields that need more (``auditLog``) check it themselves. A body that is not a
GraphQL-over-HTTP request is a problem document (``read_api.graphql.http_body``).
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Scope
from strawberry.exceptions import ConnectionRejectionError
from strawberry.litestar import make_graphql_controller
from strawberry.types.unset import UNSET, UnsetType

from infra.access.errors import UnauthenticatedError
from infra.access.guards import requires
from infra.access.principal import PENDING, Permission, Principal
from read_api.graphql.context import ReadContext
from read_api.graphql.http_body import StrictGraphQLBodies
from read_api.graphql.schema import build_schema

NO_PAYLOAD: UnsetType = UNSET
"""connection_ack without a payload."""


def read_handlers() -> list[Any]:
    async def context(scope: Scope, state: State) -> ReadContext:
        user = scope.get("user")
        return ReadContext.build(state.read_side, user if isinstance(user, Principal) else None)

    controller = make_graphql_controller(
        build_schema(), path="/graphql", context_getter=context, graphql_ide="graphiql"
    )

    class GraphQLController(StrictGraphQLBodies, controller):  # type: ignore[valid-type,misc]
        guards = [readers_or_ide_page]

        async def on_ws_connect(self, context: ReadContext) -> UnsetType | dict[str, object]:
            """A socket opened without an Authorization header authenticates with its
            connection_init payload: ``{"Authorization": "Bearer <token or key>"}``."""
            if context.principal.via != PENDING:
                return NO_PAYLOAD  # authenticated from the upgrade request's header
            params = (
                context.connection_params if isinstance(context.connection_params, dict) else {}
            )
            header = params.get("Authorization") or params.get("authorization")
            scheme, _, credential = str(header or "").partition(" ")
            if scheme.lower() != "bearer" or not credential.strip():
                raise ConnectionRejectionError(
                    {"reason": "send Authorization: Bearer <token> in the connection_init payload"}
                )
            socket = context.websocket
            if socket is None:
                raise ConnectionRejectionError({"reason": "connection_init outside a WebSocket"})
            try:
                principal = await socket.app.state.authenticator.authenticate(credential.strip())
            except UnauthenticatedError as error:
                raise ConnectionRejectionError({"reason": str(error.detail)}) from None
            if not principal.can(Permission.READ):
                raise ConnectionRejectionError({"reason": "this needs the read permission"})
            context.authenticate(principal)
            return NO_PAYLOAD

    return [GraphQLController]


async def readers_or_ide_page(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    user = connection.scope.get("user")
    if isinstance(user, Principal) and user.via in ("none", PENDING):
        # The GraphiQL page, which holds no data, or a WebSocket that authenticates in its
        # connection_init (see on_ws_connect): the authentication middleware allows both.
        return
    await requires(Permission.READ)(connection, _)
