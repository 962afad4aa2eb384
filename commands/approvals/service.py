"""The ApprovalDesk: people answer approval requests, and a waiting hook records the expiry.

Requests, answers and expiries are events of the session's own stream (``AgentSession``), so
the ruling, the question and the answer are one hash-chained history. A request id names its
session's stream (``<stream hex>.<random>``): any replica finds the request from the id
alone, and another tenant's request is simply not found (its stream belongs to that tenant).

Exactly one outcome per request, whatever the number of replicas and people: the aggregate
refuses a second answer and an expiry after an answer, and the store's (stream, version) key
refuses a writer that loaded a stale session (it reloads and decides again). After each
commit the desk notifies ``observatory_approvals``, which wakes every replica's follower.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from commands.store.application import EventStoreApplication
from commands.store.following import announce
from domain.sessions.aggregate import AgentSession
from domain.sessions.errors import ApprovalNotFoundError
from infra.metrics import APPROVAL_ANSWER_SECONDS, APPROVALS

NOTIFY_CHANNEL = "observatory_approvals"
MAX_REASON_CHARS = 2000


@dataclass(frozen=True)
class Answerer:
    """Who answers: their audit name, roles and teams."""

    by: str
    roles: frozenset[str]
    teams: frozenset[str] = frozenset()


def stream_of(request_id: str) -> UUID:
    """The session stream a request id names (ApprovalNotFoundError: not a request id)."""
    head, _, tail = request_id.partition(".")
    missing = ApprovalNotFoundError(f"no approval request {request_id[:80]}")
    if len(request_id) > 80 or not tail.isalnum():
        raise missing
    try:
        return UUID(hex=head)
    except ValueError:
        raise missing from None


class ApprovalDesk(EventStoreApplication):
    def answer(
        self, tenant_id: str, request_id: str, answerer: Answerer, *, grant: bool, reason: str
    ) -> int:
        """Grants or denies; answers the global position of the recorded answer."""

        outcome = "granted" if grant else "denied"
        at = datetime.now(UTC)

        def act(session: AgentSession) -> None:
            session.answer_approval(
                request_id, grant=grant, by=answerer.by, roles=answerer.roles,
                teams=answerer.teams, reason=reason, at=at,
            )  # fmt: skip

        position, session = self._on_request(tenant_id, request_id, act)
        asked = session.approvals[request_id]
        APPROVALS.labels(asked.get("rule_id") or "", outcome).inc()
        waited = (at - datetime.fromisoformat(asked["requested_at"])).total_seconds()
        APPROVAL_ANSWER_SECONDS.labels(outcome).observe(max(waited, 0.0))
        return position

    def expire(self, tenant_id: str, request_id: str) -> int:
        """Records that nobody answered; ``ApprovalAnsweredError`` if someone did first."""

        def act(session: AgentSession) -> None:
            session.expire_approval(request_id, at=datetime.now(UTC))

        position, session = self._on_request(tenant_id, request_id, act)
        APPROVALS.labels(session.approvals[request_id].get("rule_id") or "", "expired").inc()
        return position

    def _on_request(
        self, tenant_id: str, request_id: str, act: Callable[[AgentSession], None]
    ) -> tuple[int, AgentSession]:
        stream = stream_of(request_id)
        for _ in range(10):
            try:
                session: AgentSession = self.repository.get(stream)
            except AggregateNotFoundError:
                raise ApprovalNotFoundError(f"no approval request {request_id}") from None
            if session.tenant_id != tenant_id:
                raise ApprovalNotFoundError(f"no approval request {request_id}")
            act(session)
            try:
                recordings = self.save(session)
            except IntegrityError:
                continue  # a hook (or another answer) arrived meanwhile: decide again on it
            position = int(recordings[-1].notification.id)
            announce(self, NOTIFY_CHANNEL, position)
            return position, session
        raise IntegrityError(f"session of {request_id} kept changing; answer again")
