"""Pending approvals and their outcomes, followed from the log in every API process.

A hook held for an approval waits here: ``wait`` parks an asyncio future (no thread, no
poll per request) that the follower's one thread resolves when the answer's event appears in
the log, whichever replica recorded it. The same state answers ``pending`` (the GraphQL query
and the CLI) and wakes subscriptions on every change.

Outcomes are kept for every request seen (people answer at human pace, so this stays small);
that is what lets a replica that started after the answer, or a redelivered hook, find it.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.utils import get_topic

from commands.approvals.service import NOTIFY_CHANNEL
from commands.store.application import EventStoreApplication
from commands.store.following import LogFollower
from domain.sessions.aggregate import AgentSession

EVENTS = (
    AgentSession.ApprovalRequested,
    AgentSession.ApprovalGranted,
    AgentSession.ApprovalDenied,
    AgentSession.ApprovalExpired,
)


@dataclass(frozen=True)
class Pending:
    """A request waiting for its answer, as the inbox lists it."""

    request_id: str
    tenant_id: str
    session_id: str
    hook: str
    tool_name: str | None
    agent_id: str | None
    summary: str
    rule_id: str | None
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    requested_at: datetime
    expires_at: datetime
    on_timeout: str
    requested_by: str | None


@dataclass(frozen=True)
class Outcome:
    """How a request ended: ``decision`` is what the agent is answered."""

    request_id: str
    tenant_id: str
    kind: str
    """granted, denied or expired."""
    decision: str
    """allow, deny (or the rule's ``on_timeout`` for an expiry)."""
    by: str | None
    reason: str
    rule_id: str | None
    answered_at: datetime
    requested_at: datetime | None


_Waiter = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Outcome]"]


class ApprovalFollower(LogFollower):
    topics = [get_topic(cls) for cls in EVENTS]
    channel = NOTIFY_CHANNEL

    def __init__(self, store: EventStoreApplication) -> None:
        super().__init__(store)
        self._guard = threading.Lock()
        self._pending: dict[str, Pending] = {}
        self._outcomes: dict[str, Outcome] = {}
        self._waiters: dict[str, list[_Waiter]] = {}
        self._watchers: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._fresh: list[Outcome] = []

    def pending(self, tenant_id: str) -> list[Pending]:
        """The tenant's requests waiting for an answer, oldest first. A request past its
        wait is left out even before its expiry is recorded (its holder may have died and
        the agent not retried): an answer to it would be refused anyway."""
        now = datetime.now(UTC)
        with self._guard:
            found = [p for p in self._pending.values()
                     if p.tenant_id == tenant_id and p.expires_at > now]  # fmt: skip
        return sorted(found, key=lambda p: p.requested_at)

    def outcome(self, request_id: str) -> Outcome | None:
        with self._guard:
            return self._outcomes.get(request_id)

    async def wait(self, request_id: str, seconds: float) -> Outcome | None:
        """The request's outcome as soon as the log has it (None: none within ``seconds``)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        with self._guard:
            known = self._outcomes.get(request_id)
            if known is not None:
                return known
            self._waiters.setdefault(request_id, []).append((loop, future))
        try:
            return await asyncio.wait_for(future, max(seconds, 0.0))
        except TimeoutError:
            return None
        finally:
            with self._guard:
                waiting = self._waiters.get(request_id, [])
                waiting[:] = [w for w in waiting if w[1] is not future]
                if not waiting:
                    self._waiters.pop(request_id, None)

    def watch(self) -> asyncio.Event:
        """An event set on the caller's loop at every change of the pending set (drop it with
        ``unwatch``)."""
        changed = asyncio.Event()
        with self._guard:
            self._watchers.append((asyncio.get_running_loop(), changed))
        return changed

    def unwatch(self, changed: asyncio.Event) -> None:
        with self._guard:
            self._watchers = [w for w in self._watchers if w[1] is not changed]

    def _apply(self, event: Any) -> None:
        with self._guard:
            if isinstance(event, AgentSession.ApprovalRequested):
                if event.request_id not in self._outcomes:
                    self._pending[event.request_id] = Pending(
                        event.request_id, event.tenant_id, event.session_id, event.hook,
                        event.tool_name, event.agent_id, event.summary, event.rule_id,
                        tuple(event.roles), tuple(event.teams), event.timestamp,
                        event.expires_at, event.on_timeout, event.requested_by,
                    )  # fmt: skip
                return
            asked = self._pending.pop(event.request_id, None)
            if isinstance(event, AgentSession.ApprovalExpired):
                kind, decision, by, reason = "expired", event.decision, None, "nobody answered"
            else:
                granted = isinstance(event, AgentSession.ApprovalGranted)
                kind, decision = ("granted", "allow") if granted else ("denied", "deny")
                by, reason = event.by, event.reason
            outcome = Outcome(
                event.request_id, event.tenant_id, kind, decision, by, reason, event.rule_id,
                event.timestamp, asked.requested_at if asked else None,
            )  # fmt: skip
            self._outcomes.setdefault(event.request_id, outcome)
            self._fresh.append(outcome)

    def _publish(self, head: int, applied: list[Any]) -> None:
        with self._guard:
            fresh, self._fresh = self._fresh, []
            resolved = [(w, o) for o in fresh for w in self._waiters.pop(o.request_id, [])]
            watchers = list(self._watchers) if applied else []
        for (loop, future), outcome in resolved:
            loop.call_soon_threadsafe(_resolve, future, outcome)
        for loop, changed in watchers:
            loop.call_soon_threadsafe(changed.set)


def _resolve(future: asyncio.Future[Outcome], outcome: Outcome) -> None:
    if not future.done():
        future.set_result(outcome)
