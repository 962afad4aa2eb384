"""Poison events: one event a view cannot store must not stop the view for every tenant.

When a batch fails with an error that retrying cannot fix (``is_poison``), the runner splits
the batch in halves until the failing event stands alone, applies everything else, and
*parks* that event: a row in ``parked_events`` (projection, position, error), the view's
position moved past it in the same PostgreSQL transaction, and an alert raised (``Alert``
with ``model_kind`` ``pipeline``, shown in GraphQL ``alerts`` and sent to chat webhooks).
``observatory projections rebuild <name>`` replays parked events after a fix.

Poison means the error depends on the event's data, so the same event fails the same way
every time:
- anything the projection's ``changes`` raises (pure code, no I/O: deterministic);
- psycopg ``DataError`` and ``IntegrityError`` (SQLSTATE classes 22, 23), a program limit
  (class 54, e.g. an index row too large), and client-side adaptation errors (a
  ``ProgrammingError`` without SQLSTATE: a value psycopg cannot send);
- ``ValueError`` / ``TypeError`` from a view's driver (a value it cannot encode).
Everything else (connections, timeouts, a missing table: SQLSTATE 42, locks) is not poison:
the batch is retried, the position does not move.

A systemic fault that makes every event fail (a broken deploy) must not empty a view into
``parked_events``: after ``STREAK_LIMIT`` parked events with none applied in between, the
runner stops parking and retries (and logs why) until someone fixes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

log = logging.getLogger(__name__)

STREAK_LIMIT = 10
"""Consecutive parked events (none applied in between) after which parking stops."""

ERROR_MAX = 1_000
"""Longest error text kept (characters)."""

_POISON_SQLSTATE_CLASSES = ("22", "23", "54")


class PoisonStreakError(RuntimeError):
    """Too many events failed in a row: looks systemic, so the runner retries, not parks."""


def is_poison(error: BaseException) -> bool:
    """Whether ``error`` comes from the data of the events applied (see the module docstring)."""
    if isinstance(error, psycopg.Error):
        state = error.sqlstate
        if state is None:
            return isinstance(error, (psycopg.DataError, psycopg.ProgrammingError))
        return state[:2] in _POISON_SQLSTATE_CLASSES
    return isinstance(error, (ValueError, TypeError))


@dataclass(frozen=True)
class ParkedEvent:
    projection: str
    position: int
    tenant_id: str
    session_id: str | None
    event_type: str
    stream_id: Any
    stream_version: int
    error: str

    @classmethod
    def of(cls, projection: str, position: int, event: Any, error: BaseException) -> ParkedEvent:
        text = f"{type(error).__name__}: {error}".replace("\x00", "\\u0000")
        session = getattr(event, "session_id", None)
        return cls(
            projection=projection, position=position,
            tenant_id=str(getattr(event, "tenant_id", None) or "default"),
            session_id=session if isinstance(session, str) else None,
            event_type=type(event).__qualname__, stream_id=getattr(event, "originator_id", None),
            stream_version=int(getattr(event, "originator_version", 0) or 0),
            error=text[:ERROR_MAX],
        )  # fmt: skip


Alerting = Callable[[ParkedEvent], None]
"""Raises the alert for a parked event; must be idempotent (called again after a crash)."""

_PARK = """
INSERT INTO parked_events (projection, position, tenant_id, session_id, event_type, error)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (projection, position) DO UPDATE SET error = EXCLUDED.error, parked_at = now()
"""


class Parking:
    """Parks poison events of one projection; lives as long as its worker (the streak
    survives reconnections). ``conn`` is the runner's PostgreSQL connection of the moment."""

    def __init__(self, alert: Alerting | None = None) -> None:
        self._alert = alert
        self.streak = 0
        self.parked = 0

    def applied(self) -> None:
        """Events were applied: the streak of failures is broken."""
        self.streak = 0

    def park(
        self, conn: psycopg.Connection[Any], parked: ParkedEvent, advance: Callable[[], None]
    ) -> None:
        """Records ``parked`` and runs ``advance`` (moves the view past it) atomically, after
        raising its alert (raised first: a crash in between raises nothing twice, since the
        alert is idempotent, and parks again on restart)."""
        if self.streak >= STREAK_LIMIT:
            raise PoisonStreakError(
                f"{parked.projection}: {self.streak} events in a row could not be stored; this "
                f"looks like a fault of the view, not of the events, so nothing more is parked "
                f"(position {parked.position - 1} holds). Last error: {parked.error}"
            )
        log.error(
            "%s: parked the event at position %d (%s, tenant %s): %s; the projection goes on",
            parked.projection, parked.position, parked.event_type, parked.tenant_id,
            parked.error,
        )  # fmt: skip
        if self._alert is not None:
            self._alert(parked)
        with conn.transaction():
            conn.execute(
                _PARK,
                (parked.projection, parked.position, parked.tenant_id, parked.session_id,
                 parked.event_type, parked.error),
            )  # fmt: skip
            advance()
        self.streak += 1
        self.parked += 1


def clear(conn: psycopg.Connection[Any], projection: str) -> None:
    """Forgets a projection's parked events (a rebuild replays them and parks again any that
    still fail)."""
    conn.execute("DELETE FROM parked_events WHERE projection = %s", (projection,))


def counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Parked events per projection."""
    rows = conn.execute(
        "SELECT projection, count(*) FROM parked_events GROUP BY projection"
    ).fetchall()
    return {str(name): int(n) for name, n in rows}
