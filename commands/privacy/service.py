"""Erasure: destroy a session's data key, then record that it was destroyed.

The key goes first: if recording the ``Erased`` event then fails, the personal data is
already unreadable and running the command again records the event. (The other order could
record an erasure that never happened.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from commands.store.application import EventStoreApplication
from domain.sessions.aggregate import AgentSession
from domain.sessions.values import session_stream_id


class SessionNotFoundError(LookupError):
    """No session with this id in this tenant."""


@dataclass(frozen=True)
class Erasure:
    session_id: str
    key_destroyed: bool
    """False when the session had nothing sealed (no key existed)."""
    already_erased: bool
    position: int | None
    """Global position of the ``Erased`` event (None if it was recorded before)."""


class PrivacyDesk(EventStoreApplication):
    def erase(
        self,
        tenant_id: str,
        session_id: str,
        by: str,
        reason: str,
        destroy_key: Callable[[], bool],
    ) -> Erasure:
        stream_id = session_stream_id(tenant_id, session_id)
        try:
            self.repository.get(stream_id)
        except AggregateNotFoundError:
            raise SessionNotFoundError(
                f"no session {session_id!r} in tenant {tenant_id!r}"
            ) from None
        destroyed = destroy_key()
        for _ in range(10):
            session: AgentSession = self.repository.get(stream_id)
            if session.erased:
                return Erasure(session_id, destroyed, True, None)
            session.erase(by, reason, at=datetime.now(UTC))
            try:
                recordings = self.save(session)
            except IntegrityError:
                continue  # a hook arrived meanwhile: erase on top of it
            return Erasure(session_id, destroyed, False, recordings[-1].notification.id)
        raise IntegrityError("the session kept changing; run the erasure again")
