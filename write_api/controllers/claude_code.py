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
from write_api.gate import IngestGate
from write_api.hook_output import hook_output
from write_api.openapi import HOOK, with_body
from write_api.responses import Answer, as_response, receipt_answer

ENDPOINT = "/v1/hooks/claude-code"


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
            await record_hook(gate_of(request), Call(request.scope, request.receive))
        )


async def record_hook(gate: IngestGate, call: Call) -> Answer:
    accepted = await gate.accept(call, ENDPOINT)
    facts = await gate.check_hook(call, ENDPOINT, accepted, accepted.payload)
    screened = await gate.screen(
        accepted, accepted.payload, accepted.text, None, gate.rule(call, accepted, facts)
    )
    receipt = await gate.record(
        call, accepted, facts, source="claude-code", screened=screened,
        reply=hook_output(screened.ruling),
    )  # fmt: skip
    return receipt_answer(receipt, accepted.started, screened.ruling)
