"""API keys over HTTP (admins), and ``whoami`` (anyone authenticated).

Keys are what hooks authenticate with; the whole key is in the answer to ``POST`` only.
The same commands exist on the command line (``observatory auth keys …``).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import FromPath, FromQuery

from commands.access.service import KeyNotFoundError
from domain.access.api_keys import KeyRevokedError
from infra.access.guards import caller_of, requires
from infra.access.principal import ROLE_NAMES, Permission
from write_api.app_state import access_of, keys_of
from write_api.errors import IngestRefusedError
from write_api.parsing import BodyRejectedError, parse_object

ADMINS = [requires(Permission.ADMINISTER)]


def _caller(request: Request[Any, Any, Any]) -> tuple[str, str]:
    principal = caller_of(request)
    return principal.tenant_id, principal.actor


class AccessController(Controller):
    path = "/v1/auth"
    tags = ["access"]

    @get("/whoami", summary="Who the credential says you are")
    async def whoami(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        principal = caller_of(request)
        return {
            "subject": principal.subject, "tenant": principal.tenant_id,
            "roles": sorted(r.value for r in principal.roles), "via": principal.via,
            "permissions": sorted(p.value for p in Permission if principal.can(p)),
        }  # fmt: skip

    @get("/keys", summary="The tenant's API keys (never their secrets)", guards=ADMINS)
    async def list_keys(
        self, request: Request[Any, Any, Any], include_revoked: FromQuery[bool] = False
    ) -> dict[str, Any]:
        tenant, _ = _caller(request)
        book = keys_of(request)
        await asyncio.to_thread(book.catch_up)
        return {
            "keys": [
                {"key_id": k.key_id, "name": k.name, "role": k.role,
                 "issued_at": k.issued_at.isoformat(), "issued_by": k.issued_by,
                 "expires_at": k.expires_at.isoformat() if k.expires_at else None,
                 "revoked": k.revoked}
                for k in book.keys(tenant)
                if include_revoked or not k.revoked
            ]
        }  # fmt: skip

    @post("/keys", summary="Issue an API key (shown once)", status_code=201, guards=ADMINS)
    async def create_key(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        tenant, actor = _caller(request)
        try:
            body = parse_object(await request.body(), 8)
        except BodyRejectedError as error:
            raise IngestRefusedError(400, error.reason, error.detail) from None
        name, role = body.get("name", "agent"), body.get("role", "agent")
        days = body.get("expires_in_days")
        if not isinstance(name, str) or not 0 < len(name) <= 100 or role not in ROLE_NAMES:
            raise IngestRefusedError(
                400, "invalid_command",
                f"send {{name (1-100 characters), role ({', '.join(ROLE_NAMES)})}}",
            )  # fmt: skip
        if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 1):
            raise IngestRefusedError(400, "invalid_command", "expires_in_days: a whole number >= 1")
        expires = datetime.now(UTC) + timedelta(days=days) if days else None
        issued = await asyncio.to_thread(
            access_of(request).issue_key, tenant, name, role, actor, expires
        )
        return {"key_id": issued.key_id, "key": issued.key, "position": issued.position}

    @post("/keys/{key_id:str}/rotate", summary="Replace a key", status_code=201, guards=ADMINS)
    async def rotate_key(
        self, request: Request[Any, Any, Any], key_id: FromPath[str]
    ) -> dict[str, Any]:
        tenant, actor = _caller(request)
        try:
            issued = await asyncio.to_thread(access_of(request).rotate_key, tenant, key_id, actor)
        except KeyNotFoundError as error:
            raise IngestRefusedError(404, "key_not_found", str(error)) from None
        return {"key_id": issued.key_id, "key": issued.key, "position": issued.position}

    @delete("/keys/{key_id:str}", summary="Revoke a key", status_code=202, guards=ADMINS)
    async def revoke_key(
        self, request: Request[Any, Any, Any], key_id: FromPath[str], reason: FromQuery[str] = ""
    ) -> Response[dict[str, Any]]:
        tenant, actor = _caller(request)
        try:
            position = await asyncio.to_thread(
                access_of(request).revoke_key, tenant, key_id, reason or "revoked", actor
            )
        except KeyNotFoundError as error:
            raise IngestRefusedError(404, "key_not_found", str(error)) from None
        except KeyRevokedError as error:
            raise IngestRefusedError(409, "conflict", str(error)) from None
        return Response({"position": position}, status_code=202)
