"""``POST /events``: the envelope posted by the popular ``send_event.py`` hook script.

Envelope: ``source_app``, ``session_id``, ``hook_event_type``, ``payload`` (all required, as in
the reference server), optional ``timestamp`` (ms since epoch), ``summary``, ``chat``,
``model_name``… The payload is the hook JSON; its ``hook_event_name`` is authoritative
(``hook_event_type`` is only the script's command-line argument). Everything else of the
envelope is kept beside the hook as its context. A PreToolUse or PermissionRequest is judged
and its ruling recorded, as on the hook door (the script does not read the answer, so the
ruling is for the record: decisions, shadow rules, quarantines).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, post

from commands.ingest.messages import Receipt
from domain.sessions.hooks import HookFacts
from infra.access.guards import requires
from infra.access.principal import Permission
from write_api.app_state import gate_of
from write_api.call import Call
from write_api.errors import HookRefusedError
from write_api.gate import Door
from write_api.openapi import ENVELOPE, with_body
from write_api.responses import as_response

ENDPOINT = "/events"
REQUIRED = ("source_app", "session_id", "hook_event_type", "payload")


class EnvelopesController(Controller):
    path = ENDPOINT
    tags = ["ingest"]
    guards = [requires(Permission.INGEST)]

    @post(
        "/",
        summary="Record a send_event.py envelope",
        description=(
            "Accepts the envelope of the widely used `send_event.py` hook script unchanged, so "
            "existing hook set-ups can point at Observatory. Returns the recorded event's "
            "position, session and hook name."
        ),
        status_code=200,
        operation_class=with_body(ENVELOPE),
    )
    async def record_envelope(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        # Served by the lean door (write_api.doors) before Litestar routes; kept as a route
        # for the OpenAPI document, authentication and guards, running the same code.
        return as_response(
            await gate_of(request).ingest(Call(request.scope, request.receive), DOOR)
        )


def unwrap(envelope: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The hook inside the envelope and the rest of the envelope as its context."""
    missing = [name for name in REQUIRED if envelope.get(name) is None]
    if missing:
        raise HookRefusedError("missing_fields", f"missing: {', '.join(missing)}",
                               error="Missing required fields", missing=missing)  # fmt: skip
    problems = _envelope_problems(envelope)
    if problems:
        raise HookRefusedError("invalid_envelope", "; ".join(problems), problems=problems)
    payload: dict[str, Any] = dict(envelope["payload"])
    payload.setdefault("session_id", envelope["session_id"])
    payload.setdefault("hook_event_name", envelope["hook_event_type"])
    return payload, _context(envelope)


def receipt_body(receipt: Receipt, facts: HookFacts) -> bytes:
    """What the reference server answers: the recorded event's position, session and hook."""
    return msgspec.json.encode(
        {"position": receipt.position, "session_id": facts.session_id,
         "hook_event_name": facts.hook}
    )  # fmt: skip


DOOR = Door(ENDPOINT, "send_event", unwrap=unwrap, receipt_body=receipt_body)


def _envelope_problems(envelope: dict[str, Any]) -> list[str]:
    problems = [
        f"{name}: expected a string"
        for name in ("source_app", "session_id", "hook_event_type")
        if not isinstance(envelope[name], str)
    ]
    payload = envelope["payload"]
    if not isinstance(payload, dict):
        problems.append("payload: expected an object")
    elif "session_id" in payload and payload["session_id"] != envelope["session_id"]:
        problems.append("payload.session_id differs from the envelope's session_id")
    timestamp = envelope.get("timestamp")
    if timestamp is not None and (
        isinstance(timestamp, bool) or not isinstance(timestamp, (int, float))
    ):
        problems.append("timestamp: expected milliseconds since the epoch")
    return problems


def _context(envelope: dict[str, Any]) -> dict[str, Any]:
    context = {k: v for k, v in envelope.items() if k != "payload"}
    timestamp = envelope.get("timestamp")
    if isinstance(timestamp, (int, float)) and not isinstance(timestamp, bool):
        try:
            sent = datetime.fromtimestamp(timestamp / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            pass
        else:
            context["client_time"] = sent.isoformat()
    return context
