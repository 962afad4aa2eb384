"""Erasure (crypto-shredding) over HTTP: ``POST /v1/privacy/sessions/{id}/erase`` (admins).

Destroys the session's data key, then records ``Erased`` in the session's stream: the sealed
originals can never be read again; the redacted events and every hash chain stay as they
were. Same as ``observatory privacy erase``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.params import FromPath

from commands.privacy.service import SessionNotFoundError
from infra.access.guards import caller_of, requires
from infra.access.principal import Permission
from write_api.app_state import keyring_of, privacy_of
from write_api.errors import IngestRefusedError
from write_api.parsing import BodyRejectedError, parse_object


class PrivacyController(Controller):
    path = "/v1/privacy"
    tags = ["privacy"]

    @post(
        "/sessions/{session_id:str}/erase",
        summary="Erase a session's personal data (destroys its data key)",
        status_code=202,
        guards=[requires(Permission.ADMINISTER)],
    )
    async def erase(
        self, request: Request[Any, Any, Any], session_id: FromPath[str]
    ) -> Response[dict[str, Any]]:
        principal = caller_of(request)
        body = await request.body()
        try:
            reason = parse_object(body, 4).get("reason", "") if body else ""
        except BodyRejectedError as error:
            raise IngestRefusedError(400, error.reason, error.detail) from None
        if not isinstance(reason, str) or len(reason) > 1000:
            raise IngestRefusedError(400, "invalid_command", "reason: text up to 1000 characters")
        tenant = principal.tenant_id
        keyring = keyring_of(request)
        try:
            done = await asyncio.to_thread(
                privacy_of(request).erase, tenant, session_id, principal.actor,
                reason or "erasure requested", lambda: keyring.destroy(tenant, session_id,
                                                                       principal.actor),
            )  # fmt: skip
        except SessionNotFoundError as error:
            raise IngestRefusedError(404, "session_not_found", str(error)) from None
        return Response(
            {"session_id": session_id, "key_destroyed": done.key_destroyed,
             "already_erased": done.already_erased, "position": done.position},
            status_code=202,
        )  # fmt: skip
