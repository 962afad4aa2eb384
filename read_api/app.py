"""The read API's HTTP surface: GraphQL at ``/graphql`` (GraphiQL in a browser).

The entry point puts a ``ReadSide`` in ``app.state.read_side`` during its lifespan. Every
GraphQL request needs the ``read`` permission (403 otherwise), except the GraphiQL page
itself; fields that need more (``auditLog``) check it themselves.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Scope
from strawberry.litestar import make_graphql_controller

from infra.access.guards import requires
from infra.access.principal import Permission, Principal
from read_api.graphql.context import ReadContext
from read_api.graphql.schema import build_schema


def read_handlers() -> list[Any]:
    async def context(scope: Scope, state: State) -> ReadContext:
        user = scope.get("user")
        return ReadContext.build(state.read_side, user if isinstance(user, Principal) else None)

    controller = make_graphql_controller(
        build_schema(), path="/graphql", context_getter=context, graphql_ide="graphiql"
    )

    class GraphQLController(controller):  # type: ignore[valid-type,misc]
        guards = [readers_or_ide_page]

    return [GraphQLController]


async def readers_or_ide_page(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    user = connection.scope.get("user")
    if isinstance(user, Principal) and user.via == "none":
        return  # the GraphiQL page, which holds no data (the authentication middleware allows it)
    await requires(Permission.READ)(connection, _)
