"""Resolvers of the approval inbox and the answers (the command side does the answering)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from graphql import GraphQLError

from read_api.graphql.context import CanAnswerApprovals, ReadInfo
from read_api.graphql.types.approvals import ApprovalCommandResult, PendingApproval
from read_api.graphql.types.session import Position

CODES = {"approval_not_found": "NOT_FOUND", "invalid_command": "BAD_INPUT",
         "conflict": "CONFLICT", "forbidden": "FORBIDDEN"}  # fmt: skip


def _approvals(info: ReadInfo) -> CanAnswerApprovals:
    approvals = info.context.side.approvals
    if approvals is None:
        raise GraphQLError("approvals are not served here", extensions={"code": "UNAVAILABLE"})
    return approvals


def pending(info: ReadInfo) -> list[PendingApproval]:
    return [PendingApproval.of(p) for p in _approvals(info).pending(info.context.tenant_id)]


async def watch(info: ReadInfo) -> AsyncGenerator[list[PendingApproval], None]:
    """The pending list now, then again after every change (a request, an answer, an
    expiry), read from this process's follower of the log: no poll."""
    approvals = _approvals(info)
    while True:
        changed = asyncio.ensure_future(approvals.changed())
        try:
            yield pending(info)
            await changed
        finally:
            changed.cancel()


async def answer(
    info: ReadInfo, request_id: str, grant: bool, reason: str
) -> ApprovalCommandResult:
    principal = info.context.principal
    answered = await asyncio.to_thread(
        _approvals(info).answer, info.context.tenant_id, request_id, grant, principal.actor,
        [r.value for r in principal.roles], list(principal.teams), reason,
    )  # fmt: skip
    if answered.refused is not None:
        raise GraphQLError(answered.detail, extensions={"code": CODES[answered.refused]})
    return ApprovalCommandResult(request_id=request_id, position=Position(answered.position))
