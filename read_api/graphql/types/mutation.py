"""The GraphQL mutations: alert commands, for operators (``operate`` permission)."""

from __future__ import annotations

import strawberry

from read_api.graphql.context import ReadInfo
from read_api.graphql.permissions import CanOperate
from read_api.graphql.resolvers import alerts as alert_resolvers
from read_api.graphql.types.alerts import AlertCommandResult


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[CanOperate],
        description="Acknowledge an open alert (once); answers the recorded position.",
    )
    async def acknowledge_alert(
        self, info: ReadInfo, id: str, note: str = ""
    ) -> AlertCommandResult:
        return await alert_resolvers.act(info, "acknowledge", id, note)

    @strawberry.mutation(
        permission_classes=[CanOperate],
        description="Resolve an alert (final); answers the recorded position.",
    )
    async def resolve_alert(self, info: ReadInfo, id: str, note: str = "") -> AlertCommandResult:
        return await alert_resolvers.act(info, "resolve", id, note)
