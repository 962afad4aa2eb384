"""``GET /v1/audit/sessions/{id}/events``: a session as NDJSON, in order, with hashes.

One JSON object per line: position, stream version, event type, time, ``hash`` (the event's
digest) and ``prev_hash`` (the digest of the event before), and the event's fields with the
payload as JSON. Redacted as stored; with ``?unseal=true`` a caller allowed to unseal
(auditor, admin) gets the originals back, and the unsealing is recorded in the audit log.
Another tenant's session is not found (404).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Stream

from commands.audit.reader import SessionAuditReader
from infra.access.errors import ForbiddenError
from infra.access.guards import caller_of, requires
from infra.access.principal import Permission
from write_api.app_state import access_of, keyring_of
from write_api.errors import IngestRefusedError

BATCH = 200


class AuditController(Controller):
    path = "/v1/audit"
    tags = ["audit"]
    guards = [requires(Permission.AUDIT)]

    @get(
        "/sessions/{session_id:str}/events",
        summary="A session's events as NDJSON (redacted unless unsealed)",
        media_type="application/x-ndjson",
    )
    async def session_events(
        self, request: Request[Any, Any, Any], session_id: FromPath[str],
        unseal: FromQuery[bool] = False,
    ) -> Stream:  # fmt: skip
        principal = caller_of(request)
        if unseal and not principal.can(Permission.UNSEAL):
            raise ForbiddenError("unsealing needs the unseal permission (auditor or admin)")
        tenant = principal.tenant_id
        reader = SessionAuditReader(access_of(request))
        if not await asyncio.to_thread(reader.exists, tenant, session_id):
            raise IngestRefusedError(404, "session_not_found", f"no session {session_id!r}")
        if unseal:
            await asyncio.to_thread(
                access_of(request).record_action, tenant, principal.actor, "session.unsealed",
                session_id, {"via": "GET /v1/audit/sessions/{id}/events"},
            )  # fmt: skip
        keyring = keyring_of(request) if unseal else None
        records = reader.events(tenant, session_id, keyring.unseal if keyring else None)

        async def lines() -> AsyncIterator[bytes]:
            while True:
                batch = await asyncio.to_thread(_take, records, BATCH)
                if not batch:
                    return
                yield b"".join(
                    json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
                    for r in batch
                )

        return Stream(lines(), media_type="application/x-ndjson")


def _take(records: Any, count: int) -> list[dict[str, Any]]:
    batch = []
    for record in records:
        batch.append(record)
        if len(batch) == count:
            break
    return batch
