"""The read API's HTTP surface: GraphQL at ``/graphql`` (GraphiQL in a browser).

The entry point puts a ``ReadSide`` in ``app.state.read_side`` during its lifespan.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from strawberry.litestar import make_graphql_controller

from read_api.graphql.context import ReadContext
from read_api.graphql.schema import build_schema


def read_handlers() -> list[Any]:
    async def context(state: State) -> ReadContext:
        return ReadContext.build(state.read_side)

    return [
        make_graphql_controller(
            build_schema(), path="/graphql", context_getter=context, graphql_ide="graphiql"
        )
    ]
