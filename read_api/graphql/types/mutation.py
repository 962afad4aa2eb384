"""The GraphQL mutations: alert and approval commands, for operators (``operate``
permission)."""

from __future__ import annotations

import strawberry

from read_api.graphql.context import ReadInfo
from read_api.graphql.permissions import CanOperate
from read_api.graphql.resolvers import alerts as alert_resolvers
from read_api.graphql.resolvers import approvals as approval_resolvers
from read_api.graphql.types.alerts import AlertCommandResult
from read_api.graphql.types.approvals import ApprovalCommandResult


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

    @strawberry.mutation(
        permission_classes=[CanOperate],
        description="Allow a held tool call (once; the rule says who may); the waiting hook "
        "answers allow with your name and reason.",
    )
    async def approve(
        self, info: ReadInfo, request_id: str, reason: str = ""
    ) -> ApprovalCommandResult:
        return await approval_resolvers.answer(info, request_id, True, reason)

    @strawberry.mutation(
        permission_classes=[CanOperate],
        description="Refuse a held tool call (once); the waiting hook answers deny.",
    )
    async def deny_approval(
        self, info: ReadInfo, request_id: str, reason: str = ""
    ) -> ApprovalCommandResult:
        return await approval_resolvers.answer(info, request_id, False, reason)
