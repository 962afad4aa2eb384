"""Dispatch raised alerts to chat webhooks: ``when_alert_raised_notify``.

Runs like a projection on the projector machinery (``workers.projector``), as the quarantine
policy does: ``WhenAlertRaisedNotify`` folds a batch of events into notices (one per
``Alert.Raised``), and ``NotifyDispatch`` hands each to ``send_alert`` (one ``notify_alert``
job per matching destination, run by ``observatory jobs``; the composition root,
``workers.bootstrap.projections``, connects it to the job broker) and moves its own position in
``projection_positions`` (name ``NAME``) in the same transaction, refusing a batch that does
not start where it stands. One runner leads (advisory lock), so alerts go out in log order.

Replays never re-notify: delivery is idempotent per (alert, destination) (a Redis key the
actor sets after posting), and a notice whose alert was raised more than ``REPLAY_WINDOW``
ago is skipped, so a rebuild, or a dispatcher started on an old log, does not wake anyone
for history. A crash after enqueueing but before the commit re-enqueues the batch; the
Redis key keeps that to one post.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from domain.alerts.alert import Alert
from infra import tracking

log = logging.getLogger(__name__)

NAME = "when_alert_raised_notify"
REPLAY_WINDOW = timedelta(hours=1)
"""Alerts raised longer ago than this are history: replays skip them."""

Send = Callable[[dict[str, Any]], int]
"""Enqueues an alert to its destinations; how many (``workers.actors.notify_alert.send_alert``)."""

Sender = tuple[Send, Callable[[], None]]
"""A ``Send`` and what closes it."""


@dataclass(frozen=True)
class Notice:
    position: int
    raised_at: datetime
    alert: dict[str, Any]
    """What ``notify_alert`` posts: alert_id, tenant_id, severity, session_id, reason."""


class WhenAlertRaisedNotify:
    """Events in, notices out: one per ``Alert.Raised`` (pure)."""

    def changes(self, events: Iterable[tuple[int, object]]) -> list[Notice]:
        return [_notice(p, e) for p, e in events if isinstance(e, Alert.Raised)]


def _notice(position: int, event: Alert.Raised) -> Notice:
    alert = {
        "alert_id": str(event.originator_id), "tenant_id": event.tenant_id,
        "severity": event.severity, "session_id": event.session_id, "reason": event.reason,
    }  # fmt: skip
    return Notice(position, event.timestamp, alert)


class NotifyDispatch(tracking.Tracked):
    """Sends notices and tracks the dispatcher's position (a projector "view"); ``reset``
    replays from the start, which sends nothing already delivered or too old.

    ``sender`` builds the sending side (broker, Redis) on first use, so a status check that
    only reads the position opens no broker.
    """

    def __init__(self, conn: psycopg.Connection[Any], sender: Callable[[], Sender],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 window: timedelta = REPLAY_WINDOW, name: str = NAME) -> None:  # fmt: skip
        self._sender = sender
        self._send: Send | None = None
        self._close: Callable[[], None] = lambda: None
        self._clock, self._window = clock, window
        super().__init__(conn, name)

    def apply(self, notices: list[Notice], start: int, end: int) -> None:
        with self.batch(start, end):
            oldest = self._clock() - self._window
            for notice in notices:
                if notice.raised_at < oldest:
                    log.info("notify: alert %s was raised at %s; history, not sent",
                             notice.alert["alert_id"], notice.raised_at)  # fmt: skip
                    continue
                self._sending()(notice.alert)

    def _sending(self) -> Send:
        if self._send is None:
            self._send, self._close = self._sender()
        return self._send

    def close(self) -> None:
        self._close()
