"""The ingest gate: read, check, record — the same steps for every ingest door.

Order of work for one request: read the body within the size limit; parse it strictly; check
it is a hook we can record; rule on it (guarded hooks, from the original payload); screen it
for personal data and secrets within the screening budget, off the event loop when the body
is large, sealing the originals with the session's data key; build the
command; wait for the group-commit writer to make it durable; answer. Anything refused before
the writer is kept in quarantine (redacted) and answered 4xx; nothing of it reaches a session.

The tenant is the caller's (``tenant_of``): every door is authenticated before the gate.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn, Protocol

from eventsourcing.persistence import PersistenceError

from commands.guardrails.decider import Decider
from commands.ingest.group_commit import (
    GroupCommitter,
    IngestOverloadedError,
    IngestStoppedError,
)
from commands.ingest.messages import Receipt, RecordHook
from commands.ingest.service import IngestConflictError
from domain.privacy.screening import Screened
from domain.sessions.errors import HookPayloadInvalidError
from domain.sessions.hooks import HookFacts
from domain.sessions.ruling import Ruling
from infra.access.principal import tenant_of
from infra.keyring import KeyDestroyedError
from infra.metrics import INGEST_QUEUE, INGEST_REJECTED, INGEST_REPLAYED, INGESTED_EVENTS
from infra.screening_pool import ScreeningPool
from write_api.call import Call
from write_api.errors import BodyTooLargeError, IngestRefusedError
from write_api.parsing import BodyRejectedError, parse_object
from write_api.quarantine import CanQuarantine, Quarantined

log = logging.getLogger(__name__)


class Sealer(Protocol):
    def seal(self, tenant_id: str, session_id: str, plaintext: bytes) -> str: ...


_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True)
class Accepted:
    """A checked body: the payload, its JSON text and what the domain read from it."""

    payload: dict[str, Any]
    text: str
    body: bytes
    received_at: datetime
    started: float
    """``time.perf_counter()`` when the request arrived (for server timing)."""


class IngestGate:
    def __init__(
        self,
        committer: GroupCommitter,
        quarantine: CanQuarantine,
        *,
        tenant_id: str,
        max_body_bytes: int,
        max_depth: int,
        clock: Callable[[], datetime],
        screener: ScreeningPool,
        decider: Decider | None = None,
        sealer: Sealer | None = None,
    ) -> None:
        self.screener = screener
        self.decider = decider
        self.sealer = sealer
        self.committer = committer
        self.quarantine = quarantine
        self.tenant_id = tenant_id
        self.max_body_bytes = max_body_bytes
        self.max_depth = max_depth
        self.clock = clock

    async def accept(self, call: Call, endpoint: str) -> Accepted:
        """Reads and parses the body, or quarantines it and raises a 4xx problem."""
        received_at = self.clock()
        started = time.perf_counter()
        declared = call.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse_too_large(call, endpoint, received_at, int(declared))
        try:
            body = await call.body(self.max_body_bytes)
        except BodyTooLargeError as error:
            await self._refuse_too_large(call, endpoint, received_at, error.received)
        try:
            payload = parse_object(body, self.max_depth)
        except BodyRejectedError as error:
            await self.refuse(call, endpoint, received_at, body, error.reason, error.detail)
        text = body.decode("utf-8").removeprefix("\ufeff")
        return Accepted(payload, text, body, received_at, started)

    def rule(self, call: Call, accepted: Accepted, facts: HookFacts) -> Ruling | None:
        """The guardrail ruling for PreToolUse/PermissionRequest (None for other hooks)."""
        if self.decider is None:
            return None
        tenant_id = tenant_of(call, self.tenant_id)
        return self.decider.rule(tenant_id, facts, accepted.payload, accepted.started)

    async def screen(
        self,
        accepted: Accepted,
        payload: dict[str, Any],
        payload_text: str | None,
        context: dict[str, Any] | None = None,
        ruling: Ruling | None = None,
    ) -> Screened:
        """Redacts what will be stored (see ``domain.privacy.screening``), within the
        screening budget and off the event loop for large bodies (``infra.screening_pool``)."""
        return await self.screener.screen_hook(
            payload, payload_text, context, ruling, size=len(accepted.body)
        )

    async def check_hook(
        self, call: Call, endpoint: str, accepted: Accepted,
        payload: dict[str, Any],
    ) -> HookFacts:  # fmt: skip
        try:
            return HookFacts.from_payload(payload)
        except HookPayloadInvalidError as error:
            await self.refuse(
                call, endpoint, accepted.received_at, accepted.body, "invalid_hook",
                "; ".join(error.problems), problems=error.problems,
            )  # fmt: skip

    def idempotency_key(self, call: Call) -> str | None:
        key = call.headers.get("idempotency-key")
        if key is None:
            return None
        key = key.strip().strip('"')
        if not _KEY.match(key):
            INGEST_REJECTED.labels("invalid_idempotency_key").inc()
            raise IngestRefusedError(
                400, "invalid_idempotency_key",
                "use 1-255 visible ASCII characters, e.g. a UUID; nothing was recorded",
            )  # fmt: skip
        return key

    async def record(
        self,
        call: Call,
        accepted: Accepted,
        facts: HookFacts,
        *,
        source: str,
        screened: Screened,
        reply: bytes = b"",
        status: int = 200,
    ) -> Receipt:
        tenant_id = tenant_of(call, self.tenant_id)
        command = RecordHook(
            tenant_id=tenant_id,
            facts=facts,
            payload_json=screened.payload_json,
            received_at=accepted.received_at,
            source=source,
            context_json=screened.context_json,
            idempotency_key=self.idempotency_key(call),
            request_sha256=hashlib.sha256(accepted.body).hexdigest(),
            status=status,
            reply=reply,
            ruling=screened.ruling,
            redacted=screened.kinds,
            sealed=await self._seal(tenant_id, facts.session_id, screened),
        )
        INGEST_QUEUE.set(self.committer.queued)
        try:
            receipt = await self.committer.submit(command)
        except IngestOverloadedError:
            INGEST_REJECTED.labels("overloaded").inc()
            raise IngestRefusedError(
                503, "overloaded", "too many requests are waiting; retry in a second",
                headers={"Retry-After": "1"},
            ) from None  # fmt: skip
        except (IngestStoppedError, IngestConflictError, PersistenceError) as error:
            log.warning("ingest failed: %s", error)
            INGEST_REJECTED.labels("unavailable").inc()
            raise IngestRefusedError(
                503, "unavailable", "the event store could not record this; retry later",
                headers={"Retry-After": "2"},
            ) from None  # fmt: skip
        if receipt.problem is not None:
            INGEST_REJECTED.labels("idempotency_key_reused").inc()
            raise IngestRefusedError(receipt.status, "idempotency_key_reused", receipt.problem)
        if receipt.replayed:
            INGEST_REPLAYED.inc()
        else:
            INGESTED_EVENTS.labels(source).inc()
        return receipt

    async def _seal(self, tenant_id: str, session_id: str, screened: Screened) -> str | None:
        if not screened.originals or self.sealer is None:
            return None
        try:
            return await asyncio.to_thread(
                self.sealer.seal, tenant_id, session_id, screened.originals_json()
            )
        except KeyDestroyedError:
            return None  # the session was erased: its originals are not kept any more
        except Exception as error:  # noqa: BLE001 - any keyring failure refuses the hook
            # Never store what we could not seal, and never store it in the clear.
            log.warning("cannot seal originals of %s: %s", session_id, error)
            INGEST_REJECTED.labels("keyring_unavailable").inc()
            raise IngestRefusedError(
                503, "unavailable", "the keyring could not seal personal data; retry later",
                headers={"Retry-After": "2"},
            ) from None  # fmt: skip

    async def refuse(
        self,
        call: Call,
        endpoint: str,
        received_at: datetime,
        body: bytes,
        reason: str,
        detail: str,
        *,
        status: int = 400,
        **extra: Any,
    ) -> NoReturn:
        """Keeps the body in quarantine, then raises the problem."""
        INGEST_REJECTED.labels(reason).inc()
        kept = await self.screener.redact_text(body.decode("utf-8", errors="replace"))
        await self.quarantine.keep(
            Quarantined(
                tenant_id=tenant_of(call, self.tenant_id),
                received_at=received_at,
                endpoint=endpoint,
                reason=reason,
                detail=await self.screener.redact_text(detail),
                content_type=call.headers.get("content-type"),
                size_bytes=len(body),
                body=kept.encode(),
                client=call.client_host,
                body_sha256=hashlib.sha256(body).hexdigest(),
            )
        )
        raise IngestRefusedError(status, reason, f"{detail}; nothing was recorded", **extra)

    async def _refuse_too_large(
        self, call: Call, endpoint: str, received_at: datetime, size: int
    ) -> NoReturn:
        INGEST_REJECTED.labels("too_large").inc()
        await self.quarantine.keep(
            Quarantined(
                tenant_id=tenant_of(call, self.tenant_id), received_at=received_at,
                endpoint=endpoint,
                reason="too_large", detail=f"{size} bytes over a limit of {self.max_body_bytes}",
                content_type=call.headers.get("content-type"), size_bytes=max(size, 0),
                body=b"", client=call.client_host,
            )
        )  # fmt: skip
        raise IngestRefusedError(
            413, "too_large",
            f"bodies are limited to {self.max_body_bytes} bytes; nothing was recorded",
            limit=self.max_body_bytes,
        )  # fmt: skip
