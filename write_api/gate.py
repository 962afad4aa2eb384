"""The ingest gate: read, check, rule, screen, record, answer — one call for every ingest door.

``IngestGate.ingest(call, door)`` is the only way in: the lean doors (``write_api.doors``) and
the Litestar routes that document them call it, and a ``Door`` says only what differs between
them (where the hook sits in the body, what the recorded request is answered). Order of work
for one request:

1. the caller's tenant (``tenant_of``: every door is authenticated before the gate);
2. the body within the size limit; strict JSON; the door's unwrapping (an envelope's checks);
   the hook contract (``HookFacts``); the ``Idempotency-Key`` header;
3. the ruling (PreToolUse/PermissionRequest, from the original payload: a rule on ``.env``
   must see the path);
4. screening for personal data and secrets within the screening budget, off the event loop
   when the body is large (the ruling too), sealing the originals with the session's data key;
5. the group-commit writer makes it durable (ruling, reply and idempotency record with it);
6. the answer: the door's body, ``Observatory-Position``, ``Idempotent-Replayed`` on a
   redelivery, ``Server-Timing``;
7. an ``approve`` ruling: the recorded question is held (``commands.approvals.holding``)
   until a person answers or the wait ends, and the outcome is answered (a redelivery holds
   the recorded question again, or finds its recorded outcome).

Anything refused before the writer is kept in quarantine (redacted) and answered 4xx; nothing
of it reaches a session.
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

from commands.approvals.holding import ApprovalHold
from commands.guardrails.decider import Decider
from commands.ingest.group_commit import (
    GroupCommitter,
    IngestOverloadedError,
    IngestStoppedError,
)
from commands.ingest.messages import Command, Receipt, RecordHook
from commands.ingest.service import IngestConflictError
from domain.privacy.screening import Screened
from domain.sessions.errors import HookPayloadInvalidError
from domain.sessions.hooks import HookFacts
from domain.sessions.ruling import Ruling
from infra.access.principal import principal_of, tenant_of
from infra.keyring import KeyDestroyedError
from infra.metrics import INGEST_QUEUE, INGEST_REJECTED, INGEST_REPLAYED, INGESTED_EVENTS
from infra.screening_pool import ScreeningPool
from write_api.call import Call, Origin
from write_api.errors import BodyTooLargeError, HookRefusedError, IngestRefusedError
from write_api.hook_output import held_of, outcome_output
from write_api.parsing import BodyRejectedError, parse_object
from write_api.quarantine import CanQuarantine, Quarantined
from write_api.responses import Answer, receipt_answer

log = logging.getLogger(__name__)


class Sealer(Protocol):
    def seal(self, tenant_id: str, session_id: str, plaintext: bytes) -> str: ...


_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def _caller(call: Call) -> str | None:
    principal = principal_of(call)
    return principal.actor if principal is not None else None


@dataclass(frozen=True, slots=True)
class Door:
    """What one ingest door adds to the gate's steps; built once per door, at import."""

    endpoint: str
    """The path, as quarantined bodies name it."""
    source: str
    """Which door the event came through (``RecordHook.source``)."""
    unwrap: Callable[[dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]] | None = None
    """The hook and its context inside the body, or ``HookRefusedError`` (None: the body is
    the hook itself, kept with its exact bytes)."""
    reply: Callable[[Ruling | None], bytes] | None = None
    """What the request is answered once recorded, stored with it so a redelivery answers the
    same (None: an empty body)."""
    receipt_body: Callable[[Receipt, HookFacts], bytes] | None = None
    """The answer's body built from the receipt instead of the stored reply (None: the stored
    reply)."""


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
        approvals: ApprovalHold | None = None,
    ) -> None:
        self.approvals = approvals
        self.screener = screener
        self.decider = decider
        self.sealer = sealer
        self.committer = committer
        self.quarantine = quarantine
        self.tenant_id = tenant_id
        self.max_body_bytes = max_body_bytes
        self.max_depth = max_depth
        self.clock = clock

    async def ingest(self, call: Call, door: Door) -> Answer:
        """One request through every step, in order (see the module doc); the one way in for
        every ingest surface. Raises ``IngestRefusedError`` (a problem document) otherwise."""
        received_at, started = self.clock(), time.perf_counter()
        tenant_id = tenant_of(call, self.tenant_id)
        body = await self.read_body(call, door.endpoint, tenant_id, received_at)
        payload: dict[str, Any]
        text: str | None
        context: dict[str, Any] | None = None
        try:
            payload = parse_object(body, self.max_depth)
            if door.unwrap is None:
                text = body.decode("utf-8").removeprefix("\ufeff")
            else:
                (payload, context), text = door.unwrap(payload), None
            facts = HookFacts.from_payload(payload)
        except BodyRejectedError as error:
            await self.refuse(call, door.endpoint, tenant_id, received_at, body, error.reason,
                               error.detail)  # fmt: skip
        except HookRefusedError as error:
            await self.refuse(call, door.endpoint, tenant_id, received_at, body, error.reason,
                               error.detail, **error.extra)  # fmt: skip
        except HookPayloadInvalidError as error:
            await self.refuse(call, door.endpoint, tenant_id, received_at, body, "invalid_hook",
                               "; ".join(error.problems), problems=error.problems)  # fmt: skip
        key = self._idempotency_key(call)
        # The ruling sees the original (a rule on ``.env`` must see the path); what is stored,
        # ruling included, is screened.
        ruling = (
            self.decider.rule(
                tenant_id,
                facts,
                payload,
                started,
                received_at=received_at,
                requested_by=_caller(call),
            )
            if self.decider
            else None
        )
        screened = await self.screener.screen_hook(payload, text, context, ruling, size=len(body))
        command = RecordHook(
            tenant_id=tenant_id,
            facts=facts,
            payload_json=screened.payload_json,
            received_at=received_at,
            source=door.source,
            context_json=screened.context_json,
            idempotency_key=key,
            request_sha256=hashlib.sha256(body).hexdigest(),
            reply=b"" if door.reply is None else door.reply(screened.ruling),
            ruling=screened.ruling,
            redacted=screened.kinds,
            sealed=(await self.seal(tenant_id, [(facts.session_id, screened)]))[0],
        )
        receipt = await self.record(command)
        reply = receipt.reply if door.receipt_body is None else door.receipt_body(receipt, facts)
        if self.approvals is not None and (held := held_of(reply)) is not None:
            # 7. an approval: the hook waits (recorded already) for its answer or its expiry.
            hook, question = held
            outcome = await self.approvals.settle(tenant_id, question, fresh=not receipt.replayed)
            reply = outcome_output(hook, outcome)
        return receipt_answer(receipt, reply, started, screened.ruling)

    async def read_body(
        self, call: Call, endpoint: str, tenant_id: str, received_at: datetime
    ) -> bytes:
        """The body within the size limit, or it is quarantined and refused (413)."""
        declared = call.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse_too_large(call, endpoint, tenant_id, received_at, int(declared))
        try:
            return await call.body(self.max_body_bytes)
        except BodyTooLargeError as error:
            await self._refuse_too_large(call, endpoint, tenant_id, received_at, error.received)

    def _idempotency_key(self, call: Call) -> str | None:
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

    async def record(self, command: Command) -> Receipt:
        """Waits for the group commit to make the command durable."""
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
            INGESTED_EVENTS.labels(command.source).inc(command.records)
        return receipt

    async def seal(self, tenant_id: str, screened: list[tuple[str, Screened]]) -> list[str | None]:
        """Each (session id, screened body)'s originals sealed with its session's key, in one
        trip off the event loop (None: nothing to seal, or the session was erased)."""
        if self.sealer is None or not any(found.originals for _, found in screened):
            return [None] * len(screened)
        sealer = self.sealer

        def seal_all() -> list[str | None]:
            sealed: list[str | None] = []
            for session_id, found in screened:
                try:
                    sealed.append(
                        sealer.seal(tenant_id, session_id, found.originals_json())
                        if found.originals else None
                    )  # fmt: skip
                except KeyDestroyedError:
                    sealed.append(None)  # the session was erased: its originals are not kept
            return sealed

        try:
            return await asyncio.to_thread(seal_all)
        except Exception as error:  # noqa: BLE001 - any keyring failure refuses the hook
            # Never store what we could not seal, and never store it in the clear.
            log.warning("cannot seal originals for %s: %s", tenant_id, error)
            INGEST_REJECTED.labels("keyring_unavailable").inc()
            raise IngestRefusedError(
                503, "unavailable", "the keyring could not seal personal data; retry later",
                headers={"Retry-After": "2"},
            ) from None  # fmt: skip

    async def refuse(
        self,
        call: Origin,
        endpoint: str,
        tenant_id: str,
        received_at: datetime,
        body: bytes,
        reason: str,
        detail: str,
        *,
        status: int = 400,
        **extra: Any,
    ) -> NoReturn:
        """Keeps the body (redacted) in quarantine, then raises the problem."""
        INGEST_REJECTED.labels(reason).inc()
        kept = await self.screener.redact_text(body.decode("utf-8", errors="replace"))
        await self.quarantine.keep(
            Quarantined(
                tenant_id=tenant_id,
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
        self, call: Call, endpoint: str, tenant_id: str, received_at: datetime, size: int
    ) -> NoReturn:
        INGEST_REJECTED.labels("too_large").inc()
        await self.quarantine.keep(
            Quarantined(
                tenant_id=tenant_id, received_at=received_at,
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
