"""``POST /v1/hooks/claude-code``: the hook JSON exactly as Claude Code sends it.

Answers 200 once the event is durable, with the hook output JSON, or an empty body when there
is nothing to say. PreToolUse and PermissionRequest are judged against the tenant's guardrail
policy and quarantines; the ruling is recorded with the hook (``ToolCallDecided``). A refused
body is a 4xx problem and never a block: Claude Code treats any non-2xx as a non-blocking
error.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post

from infra.access.guards import requires
from infra.access.principal import Permission
from write_api.app_state import gate_of
from write_api.call import Call
from write_api.gate import Door
from write_api.hook_output import hook_output
from write_api.openapi import HOOK, with_body
from write_api.responses import as_response

ENDPOINT = "/v1/hooks/claude-code"
DOOR = Door(ENDPOINT, "claude-code", reply=hook_output)
"""The body is the hook; the answer is Claude Code's hook output for the ruling."""


class ClaudeCodeHooksController(Controller):
    path = ENDPOINT
    tags = ["ingest"]
    guards = [requires(Permission.INGEST)]

    @post(
        "/",
        summary="Record a Claude Code hook",
        description=(
            "Body: the hook input JSON as Claude Code posts it to an `http` hook (the same JSON "
            "a `command` hook reads on stdin). Send `Idempotency-Key` to make redelivery safe. "
            "The response header `Observatory-Position` is the global position of the "
            "recorded event (pass it as `minPosition` to read your own write)."
        ),
        status_code=200,
        operation_class=with_body(HOOK),
    )
    async def record_hook(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        # Served by the lean door (write_api.doors) before Litestar routes; kept as a route
        # for the OpenAPI document, authentication and guards, running the same code.
        return as_response(
            await gate_of(request).ingest(Call(request.scope, request.receive), DOOR)
        )
