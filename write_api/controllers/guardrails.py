"""The guardrail command API: change rules, set their mode, quarantine and release.

Every command answers ``202 Accepted`` with ``{"position": N}`` (and the new ``version`` for
policy changes): the global position of what it recorded. API replicas and read models catch
up from the log; ``GET /v1/guardrails/status`` shows how far this replica's policy (and its
spend ledger, ``spend_position``) has read.
Rules may be sent as JSON or YAML (``Content-Type: application/yaml``).
"""

from __future__ import annotations

import asyncio
from typing import Any

import yaml
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import FromPath, FromQuery

from commands.guardrails.service import Change
from domain.guardrails.errors import (
    NotQuarantinedError,
    RuleDefinitionError,
    RuleExistsError,
    RuleNotFoundError,
)
from domain.guardrails.values import Decision, Mode
from domain.sessions.values import is_identifier
from infra.access.principal import tenant_of
from write_api.app_state import commands_of, gate_of
from write_api.callers import OPERATORS, READERS, actor_of
from write_api.errors import IngestRefusedError
from write_api.openapi import MODE, QUARANTINE, RULE, with_body
from write_api.parsing import BodyRejectedError, parse_object

MAX_RULE_BYTES = 64 * 1024


async def _body(request: Request[Any, Any, Any]) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_RULE_BYTES:
        raise IngestRefusedError(
            413, "too_large", f"rule bodies are limited to {MAX_RULE_BYTES} bytes"
        )
    content_type = request.headers.get("content-type", "")
    if "yaml" in content_type:
        try:
            value = yaml.safe_load(body)
        except yaml.YAMLError as error:
            raise IngestRefusedError(400, "invalid_json", f"not valid YAML: {error}") from None
        if not isinstance(value, dict):
            raise IngestRefusedError(400, "not_an_object", "expected a YAML mapping")
        return value
    try:
        return parse_object(body, 32)
    except BodyRejectedError as error:
        raise IngestRefusedError(400, error.reason, error.detail) from None


async def _run(
    request: Request[Any, Any, Any], command: Any, *args: Any
) -> Response[dict[str, Any]]:
    try:
        tenant_id = tenant_of(request, gate_of(request).tenant_id)
        change: Change = await asyncio.to_thread(command, tenant_id, *args)
    except RuleDefinitionError as error:
        raise IngestRefusedError(400, "invalid_rule", "; ".join(error.problems),
                                 problems=error.problems) from None  # fmt: skip
    except RuleNotFoundError as error:
        raise IngestRefusedError(404, "rule_not_found", str(error)) from None
    except (RuleExistsError, NotQuarantinedError) as error:
        raise IngestRefusedError(409, "conflict", str(error)) from None
    except ValueError as error:
        raise IngestRefusedError(400, "invalid_command", str(error)) from None
    body: dict[str, Any] = {"position": change.position}
    if change.version is not None:
        body["version"] = change.version
    return Response(body, status_code=202)


class GuardrailsController(Controller):
    path = "/v1/guardrails"
    tags = ["guardrails"]

    @post("/rules", summary="Add a rule", status_code=202, guards=OPERATORS,
          operation_class=with_body(RULE, yaml=True))  # fmt: skip
    async def add_rule(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        definition = await _body(request)
        return await _run(request, commands_of(request).add_rule, definition, actor_of(request))

    @put(
        "/rules/{rule_id:str}",
        summary="Replace a rule's definition",
        status_code=202,
        guards=OPERATORS,
        operation_class=with_body(RULE, yaml=True),
    )
    async def change_rule(
        self, request: Request[Any, Any, Any], rule_id: FromPath[str]
    ) -> Response[dict[str, Any]]:
        definition = await _body(request)
        if definition.setdefault("id", rule_id) != rule_id:
            raise IngestRefusedError(400, "invalid_rule", "the body's id differs from the URL's")
        return await _run(request, commands_of(request).change_rule, definition, actor_of(request))

    @delete("/rules/{rule_id:str}", summary="Remove a rule", status_code=202, guards=OPERATORS)
    async def remove_rule(
        self, request: Request[Any, Any, Any], rule_id: FromPath[str]
    ) -> Response[dict[str, Any]]:
        return await _run(request, commands_of(request).remove_rule, rule_id, actor_of(request))

    @put(
        "/rules/{rule_id:str}/mode",
        summary="Set a rule to enforce or shadow",
        status_code=202,
        guards=OPERATORS,
        operation_class=with_body(MODE),
    )
    async def set_mode(
        self, request: Request[Any, Any, Any], rule_id: FromPath[str]
    ) -> Response[dict[str, Any]]:
        body = await _body(request)
        try:
            mode = Mode(str(body.get("mode")))
        except ValueError:
            raise IngestRefusedError(
                400, "invalid_command", "mode must be enforce or shadow"
            ) from None
        return await _run(request, commands_of(request).set_mode, rule_id, mode, actor_of(request))

    @post(
        "/quarantines",
        summary="Quarantine a session or an agent",
        status_code=202,
        guards=OPERATORS,
        operation_class=with_body(QUARANTINE),
    )
    async def quarantine(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        body = await _body(request)
        target, kind = body.get("id"), body.get("kind", "session")
        reason = body.get("reason", "")
        if not isinstance(target, str) or not target or not isinstance(reason, str):
            raise IngestRefusedError(
                400, "invalid_command", "send {kind, id, mode, reason}; id is required"
            )
        if not is_identifier(target):  # as ingest checks session and agent ids
            raise IngestRefusedError(
                400, "invalid_command", "id: not a session or agent id (1-128 characters of "
                "letters, digits and ._:@+=-, no path separators or '..')",
            )  # fmt: skip
        try:
            mode = Decision(body.get("mode", "ask"))
        except ValueError:
            raise IngestRefusedError(
                400, "invalid_command", "mode must be ask, deny or approve"
            ) from None
        return await _run(request, commands_of(request).quarantine, kind, target, mode,
                          reason or "quarantined by an operator", actor_of(request))  # fmt: skip

    @delete(
        "/quarantines/{kind:str}/{target_id:str}",
        summary="Release a quarantine",
        status_code=202,
        guards=OPERATORS,
    )
    async def release(
        self,
        request: Request[Any, Any, Any],
        kind: FromPath[str],
        target_id: FromPath[str],
        reason: FromQuery[str] = "",
    ) -> Response[dict[str, Any]]:
        return await _run(request, commands_of(request).release, kind, target_id,
                          reason or "released by an operator", actor_of(request))  # fmt: skip

    @get("/status", summary="This replica's guardrail state", guards=READERS)
    async def status(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        gate = gate_of(request)
        follower = gate.decider.follower if gate.decider else None
        if follower is None:
            return {"position": 0, "policy_version": 0}
        state = follower.state
        guard = state.for_tenant(tenant_of(request, gate.tenant_id))
        ledger = gate.decider.ledger if gate.decider else None
        return {
            "position": state.position,
            "policy_version": guard.version,
            "rules": len(guard.rules),
            "quarantines": sorted(guard.quarantines),
            "spend_position": ledger.position if ledger else 0,
        }
