"""The alert command API: operators acknowledge and resolve alerts.

Both answer ``202 Accepted`` with ``{"position": N}``, the global position of what was
recorded (pass it as ``minPosition`` to GraphQL's ``alerts`` to read your write). An alert of
another tenant is not found (404); acting on a resolved alert, or acknowledging twice, is a
conflict (409). The body is optional: ``{"note": "…"}``.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, post
from litestar.params import FromPath

from commands.alerts.messages import AcknowledgeAlert, ResolveAlert
from commands.alerts.service import AlertDesk, Done
from domain.alerts.errors import AlertAcknowledgedError, AlertNotFoundError, AlertResolvedError
from infra.access.guards import requires
from infra.access.principal import Permission, tenant_of
from write_api.app_state import gate_of
from write_api.controllers.guardrails import _actor
from write_api.errors import IngestRefusedError
from write_api.openapi import NOTE, with_body
from write_api.parsing import BodyRejectedError, parse_object

OPERATORS = [requires(Permission.OPERATE)]
MAX_NOTE_CHARS = 2_000


def alerts_of(request: Request[Any, Any, Any]) -> AlertDesk:
    desk: AlertDesk = request.app.state.alert_desk
    return desk


async def _note(request: Request[Any, Any, Any]) -> str:
    body = await request.body()
    if not body.strip():
        return ""
    if len(body) > 16 * 1024:
        raise IngestRefusedError(413, "too_large", "alert notes are limited to 16 KiB")
    try:
        note = parse_object(body, 8).get("note", "")
    except BodyRejectedError as error:
        raise IngestRefusedError(400, error.reason, error.detail) from None
    if not isinstance(note, str) or len(note) > MAX_NOTE_CHARS:
        raise IngestRefusedError(
            400, "invalid_command", f"note: a string of at most {MAX_NOTE_CHARS} characters"
        )
    return note


def _alert_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise IngestRefusedError(404, "alert_not_found", f"no alert {value}") from None


async def _run(request: Request[Any, Any, Any], command: Any, message: Any) -> Response[Any]:
    try:
        done: Done = await asyncio.to_thread(command, message)
    except AlertNotFoundError as error:
        raise IngestRefusedError(404, "alert_not_found", str(error)) from None
    except (AlertResolvedError, AlertAcknowledgedError) as error:
        raise IngestRefusedError(409, "conflict", str(error)) from None
    return Response({"position": done.position}, status_code=202)


class AlertsController(Controller):
    path = "/v1/alerts"
    tags = ["alerts"]

    @post("/{alert_id:str}/acknowledge", summary="Acknowledge an alert", status_code=202,
          guards=OPERATORS, operation_class=with_body(NOTE, required=False))  # fmt: skip
    async def acknowledge(
        self, request: Request[Any, Any, Any], alert_id: FromPath[str]
    ) -> Response[Any]:
        note, tenant = await _note(request), tenant_of(request, gate_of(request).tenant_id)
        message = AcknowledgeAlert(tenant, _alert_id(alert_id), _actor(request), note)
        return await _run(request, alerts_of(request).acknowledge_alert, message)

    @post("/{alert_id:str}/resolve", summary="Resolve an alert (final)", status_code=202,
          guards=OPERATORS, operation_class=with_body(NOTE, required=False))  # fmt: skip
    async def resolve(
        self, request: Request[Any, Any, Any], alert_id: FromPath[str]
    ) -> Response[Any]:
        note, tenant = await _note(request), tenant_of(request, gate_of(request).tenant_id)
        message = ResolveAlert(tenant, _alert_id(alert_id), _actor(request), note)
        return await _run(request, alerts_of(request).resolve_alert, message)
