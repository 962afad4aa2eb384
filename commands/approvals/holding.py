"""Holding a hook until its approval is answered, or its wait ends.

The hook and its ``ApprovalRequested`` are durable before anyone waits (the gate records them
first), so a replica may die while holding: the agent's retry (same Idempotency-Key) gets the
recorded request back and waits here again for what remains, or records the expiry. Waiting
costs one parked future per hook (``ApprovalFollower.wait``): no thread, no poll.

The expiry is a command like an answer: of several replicas giving up at once (or a person
answering in the same instant) the aggregate takes exactly one, and the others get the
recorded outcome.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from commands.approvals.follower import ApprovalFollower, Outcome
from commands.approvals.service import NOTIFY_CHANNEL, ApprovalDesk
from commands.store.following import announce
from domain.sessions.errors import ApprovalAnsweredError
from infra.metrics import APPROVALS_HELD

log = logging.getLogger(__name__)

SETTLE_SECONDS = 5.0
"""How long to wait for the log to show the answer that refused our expiry."""


@dataclass(frozen=True)
class Held:
    """What a held hook needs to know of its request (kept in the hook's stored reply)."""

    request_id: str
    rule_id: str | None
    expires_at: datetime
    on_timeout: str


class ApprovalHold:
    def __init__(self, desk: ApprovalDesk, follower: ApprovalFollower) -> None:
        self.desk = desk
        self.follower = follower
        self._announcing: asyncio.Task[None] | None = None
        self._again = False

    def _announce(self) -> None:
        """Wakes every replica's inbox; many new requests at once share a few NOTIFYs (a
        follower reads up to the head on each wake-up), never one thread hop each."""
        if self._announcing is not None and not self._announcing.done():
            self._again = True
            return
        self._announcing = asyncio.get_running_loop().create_task(self._announce_all())

    async def _announce_all(self) -> None:
        while True:
            self._again = False
            try:
                await asyncio.to_thread(announce, self.desk, NOTIFY_CHANNEL, 0)
            except Exception:  # a wake-up only: followers also poll
                log.warning("approvals: cannot notify the other replicas", exc_info=True)
                return
            if not self._again:
                return

    async def settle(self, tenant_id: str, held: Held, *, fresh: bool) -> Outcome:
        """The request's outcome: a person's answer, or the expiry once the wait is over.

        ``fresh``: the request was recorded just now (not a redelivery), so every replica's
        inbox is told at once.
        """
        if fresh:
            self._announce()
        APPROVALS_HELD.inc()
        try:
            remaining = (held.expires_at - datetime.now(UTC)).total_seconds()
            outcome = await self.follower.wait(held.request_id, remaining)
            if outcome is not None:
                return outcome
            try:
                await asyncio.to_thread(self.desk.expire, tenant_id, held.request_id)
            except ApprovalAnsweredError:
                answered = await self.follower.wait(held.request_id, SETTLE_SECONDS)
                if answered is not None:
                    return answered
                # The answer is recorded, but this replica cannot read it: the default.
            return Outcome(
                held.request_id, tenant_id, "expired", held.on_timeout, None,
                "nobody answered", held.rule_id, datetime.now(UTC), None,
            )  # fmt: skip
        finally:
            APPROVALS_HELD.dec()
