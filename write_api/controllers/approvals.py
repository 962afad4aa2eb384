"""The approval command API: the people on duty list pending requests and answer them.

``GET /v1/approvals`` lists the caller's tenant's pending requests (oldest first).
``POST /v1/approvals/{request_id}/approve`` and ``…/deny`` (body optional:
``{"reason": "…"}``) answer ``202 Accepted`` with ``{"position": N}``. Another tenant's
request is not found (404); an answer given twice, or after the wait ended, is a conflict
(409); a person the rule does not name (role, team), or answering their own agent's request
when the rule does not allow it, is forbidden (403), as is a viewer (no ``operate``). The
commands are the ones the GraphQL mutations issue (``ApprovalActions``); the hook that waits
learns the answer from the log, on whichever replica holds it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from commands.approvals.actions import CONFLICT, FORBIDDEN, INVALID, NOT_FOUND
from infra.access.principal import principal_of, tenant_of
from write_api.app_state import approval_actions_of, gate_of
from write_api.callers import OPERATORS, READERS, actor_of
from write_api.errors import IngestRefusedError
from write_api.openapi import REASON, with_body
from write_api.parsing import BodyRejectedError, parse_object

MAX_BODY_BYTES = 16 * 1024
STATUS = {NOT_FOUND: 404, INVALID: 400, CONFLICT: 409, FORBIDDEN: 403}


async def _reason(request: Request[Any, Any, Any]) -> object:
    body = await request.body()
    if not body.strip():
        return ""
    if len(body) > MAX_BODY_BYTES:
        raise IngestRefusedError(413, "too_large", "approval reasons are limited to 16 KiB")
    try:
        return parse_object(body, 8).get("reason", "")
    except BodyRejectedError as error:
        raise IngestRefusedError(400, error.reason, error.detail) from None


async def _answer(request: Request[Any, Any, Any], request_id: str, grant: bool) -> Response[Any]:
    reason, tenant = await _reason(request), tenant_of(request, gate_of(request).tenant_id)
    principal = principal_of(request)
    roles = [r.value for r in principal.roles] if principal is not None else []
    teams = list(principal.teams) if principal is not None else []
    answered = await asyncio.to_thread(
        approval_actions_of(request).answer,
        tenant, request_id, grant, actor_of(request), roles, teams, reason,
    )  # fmt: skip
    if answered.refused is not None:
        raise IngestRefusedError(STATUS[answered.refused], answered.refused, answered.detail)
    return Response({"position": answered.position}, status_code=202)


class ApprovalsController(Controller):
    path = "/v1/approvals"
    tags = ["approvals"]

    @get("/", summary="Pending approval requests", guards=READERS)
    async def pending(self, request: Request[Any, Any, Any]) -> Response[Any]:
        tenant = tenant_of(request, gate_of(request).tenant_id)
        found = approval_actions_of(request).pending(tenant)
        return Response({"approvals": [
            {"requestId": p.request_id, "sessionId": p.session_id, "hook": p.hook,
             "toolName": p.tool_name, "agentId": p.agent_id, "summary": p.summary,
             "ruleId": p.rule_id, "roles": list(p.roles), "teams": list(p.teams),
             "requestedAt": p.requested_at.isoformat(), "expiresAt": p.expires_at.isoformat(),
             "onTimeout": p.on_timeout, "requestedBy": p.requested_by}
            for p in found
        ]})  # fmt: skip

    @post("/{request_id:str}/approve", summary="Approve a held tool call", status_code=202,
          guards=OPERATORS, operation_class=with_body(REASON, required=False))  # fmt: skip
    async def approve(
        self, request: Request[Any, Any, Any], request_id: FromPath[str]
    ) -> Response[Any]:
        return await _answer(request, request_id, True)

    @post("/{request_id:str}/deny", summary="Deny a held tool call", status_code=202,
          guards=OPERATORS, operation_class=with_body(REASON, required=False))  # fmt: skip
    async def deny(
        self, request: Request[Any, Any, Any], request_id: FromPath[str]
    ) -> Response[Any]:
        return await _answer(request, request_id, False)
