"""The alert command API: operators acknowledge and resolve alerts.

Both answer ``202 Accepted`` with ``{"position": N}``, the global position of what was
recorded (pass it as ``minPosition`` to GraphQL's ``alerts`` to read your write). An alert of
another tenant is not found (404); acting on a resolved alert, or acknowledging twice, is a
conflict (409). The body is optional: ``{"note": "…"}``. The commands are the ones the GraphQL
mutations issue (``AlertActions``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.params import FromPath

from commands.alerts.service import CONFLICT, INVALID, NOT_FOUND, Acted
from infra.access.principal import tenant_of
from write_api.app_state import alert_actions_of, gate_of
from write_api.callers import OPERATORS, actor_of
from write_api.errors import IngestRefusedError
from write_api.openapi import NOTE, with_body
from write_api.parsing import BodyRejectedError, parse_object

MAX_BODY_BYTES = 16 * 1024
STATUS = {NOT_FOUND: 404, INVALID: 400, CONFLICT: 409}


async def _note(request: Request[Any, Any, Any]) -> object:
    body = await request.body()
    if not body.strip():
        return ""
    if len(body) > MAX_BODY_BYTES:
        raise IngestRefusedError(413, "too_large", "alert notes are limited to 16 KiB")
    try:
        return parse_object(body, 8).get("note", "")
    except BodyRejectedError as error:
        raise IngestRefusedError(400, error.reason, error.detail) from None


async def _act(
    request: Request[Any, Any, Any],
    command: Callable[[str, str, str, object], Acted],
    alert_id: str,
) -> Response[Any]:
    note, tenant = await _note(request), tenant_of(request, gate_of(request).tenant_id)
    acted = await asyncio.to_thread(command, tenant, alert_id, actor_of(request), note)
    if acted.refused is not None:
        raise IngestRefusedError(STATUS[acted.refused], acted.refused, acted.detail)
    return Response({"position": acted.position}, status_code=202)


class AlertsController(Controller):
    path = "/v1/alerts"
    tags = ["alerts"]

    @post("/{alert_id:str}/acknowledge", summary="Acknowledge an alert", status_code=202,
          guards=OPERATORS, operation_class=with_body(NOTE, required=False))  # fmt: skip
    async def acknowledge(
        self, request: Request[Any, Any, Any], alert_id: FromPath[str]
    ) -> Response[Any]:
        return await _act(request, alert_actions_of(request).acknowledge, alert_id)

    @post("/{alert_id:str}/resolve", summary="Resolve an alert (final)", status_code=202,
          guards=OPERATORS, operation_class=with_body(NOTE, required=False))  # fmt: skip
    async def resolve(
        self, request: Request[Any, Any, Any], alert_id: FromPath[str]
    ) -> Response[Any]:
        return await _act(request, alert_actions_of(request).resolve, alert_id)
