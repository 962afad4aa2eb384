"""Post an alert to a chat webhook (Slack, Discord): retried with backoff, delivered once.

One message per (alert, destination). Delivery is idempotent: a Redis key per (alert,
destination) is set after a successful post and checked before each attempt, and a short
lock keeps two workers from posting the same message at once. A 5xx, 429 or network error is
retried (dramatiq's Retries: exponential backoff, up to ``MAX_RETRIES``); any other 4xx is a
configuration error, logged and dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import dramatiq
import redis

from infra.settings import Settings
from infra.webhooks import Destination, WebhookError, parse_destinations, post

log = logging.getLogger(__name__)

ACTOR_NAME = "notify_alert"
QUEUE = "notifications"
MAX_RETRIES = 8
DELIVERED_TTL = 30 * 24 * 3600
LOCK_TTL = 60


class DeliveryBusyError(RuntimeError):
    """Another worker is posting this very message right now (retried)."""


def alert_text(alert: Mapping[str, Any]) -> str:
    """One line a human reads in a chat channel (no payloads: alerts carry redacted facts)."""
    severity = str(alert.get("severity", "warning")).upper()
    return (f"[{severity}] {alert.get('reason', 'alert')} — session {alert.get('session_id')} "
            f"(tenant {alert.get('tenant_id')}, alert {alert.get('alert_id')})")  # fmt: skip


def approval_text(approval: Mapping[str, Any], inbox: str) -> str:
    """An approval request as people on duty read it: what, which rule, until when, where."""
    return (f"[APPROVAL] {approval.get('tool_name') or 'a tool call'} waits for "
            f"{'/'.join(approval.get('roles') or ['an operator'])}: "
            f"`{str(approval.get('summary', ''))[:300]}` (rule {approval.get('rule_id')}, "
            f"session {approval.get('session_id')}); {approval.get('on_timeout')} at "
            f"{approval.get('expires_at')} unless answered — {inbox}")  # fmt: skip


class Notifier:
    def __init__(self, settings: Settings, client: redis.Redis) -> None:
        self._inbox = f"{settings.base_url.rstrip('/')}/approvals"
        self._destinations = {d.name: d for d in parse_destinations(settings.notify_webhooks)}
        self._redis = client
        self._prefix = settings.redis_prefix
        self._timeout = settings.notify_timeout_seconds

    def destinations_for(self, tenant: str, severity: str) -> list[Destination]:
        return [d for d in self._destinations.values() if d.wants(tenant, severity)]

    def deliver(self, alert: Mapping[str, Any], destination: str) -> bool:
        """Posts unless already delivered; True if this call posted."""
        target = self._destinations.get(destination)
        if target is None:
            log.warning("notify: destination %s is no longer configured; dropped", destination)
            return False
        done = f"{self._prefix}:notified:{alert['alert_id']}:{destination}"
        if self._redis.exists(done):
            return False
        lock = done + ":lock"
        if not self._redis.set(lock, "1", nx=True, ex=LOCK_TTL):
            raise DeliveryBusyError(f"{destination} is being posted by another worker")
        try:
            text = (approval_text(alert, self._inbox) if alert.get("kind") == "approval"
                    else alert_text(alert))  # fmt: skip
            post(target, text, self._timeout)
            self._redis.set(done, "1", ex=DELIVERED_TTL)
        finally:
            self._redis.delete(lock)
        return True


def notify_alert_actor(broker: dramatiq.Broker, notifier: Notifier) -> dramatiq.Actor[Any, Any]:
    """The actor bound to ``broker`` (built by the entry point, never at import)."""

    def notify_alert(alert: dict[str, Any], destination: str) -> None:
        try:
            notifier.deliver(alert, destination)
        except WebhookError as error:
            if not error.retry:
                log.error(  # noqa: TRY400 - an expected answer, not a crash: no traceback
                    "notify: %s refused alert %s (%s); not retried, check the URL",
                    destination, alert.get("alert_id"), error,
                )  # fmt: skip
                return
            log.warning("notify: %s; will retry", error)
            raise

    decorate = dramatiq.actor(
        broker=broker, actor_name=ACTOR_NAME, queue_name=QUEUE,
        max_retries=MAX_RETRIES, min_backoff=500, max_backoff=60_000,
    )  # fmt: skip
    actor: dramatiq.Actor[Any, Any] = decorate(notify_alert)
    return actor


def send_alert(actor: dramatiq.Actor[Any, Any], notifier: Notifier,
               alert: Mapping[str, Any]) -> int:  # fmt: skip
    """Enqueues one message per matching destination; how many."""
    targets = notifier.destinations_for(str(alert["tenant_id"]), str(alert["severity"]))
    for target in targets:
        actor.send(dict(alert), target.name)
    return len(targets)
