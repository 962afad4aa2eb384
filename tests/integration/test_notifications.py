"""Alerts reach Slack and Discord webhooks through dramatiq on the real Redis broker: a failed
post is retried, a message enqueued twice is posted once, other tenants' hooks stay silent."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from dramatiq import Worker

from infra.jobs import job_broker
from infra.redis_connections import redis_client
from tests.cleanup import delete_redis_keys
from tests.webhooks import Receiver
from workers.actors.notify_alert import QUEUE, Notifier, notify_alert_actor, send_alert

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """/slack answers 500 to its first post, then 200."""
    found = Receiver(fail_first=("/slack",))
    yield found
    found.close()


@pytest.fixture
def jobs(settings, receiver):
    prefix = f"notify{uuid.uuid4().hex[:8]}"
    hooks = [
        {"tenant": "acme", "min_severity": "warning", "kind": "slack", "url": receiver.url + "/slack"},
        {"tenant": "acme", "min_severity": "critical", "kind": "discord",
         "url": receiver.url + "/discord"},
        {"tenant": "other", "min_severity": "info", "kind": "slack", "url": receiver.url + "/other"},
    ]  # fmt: skip
    configured = settings.replace(redis_url=REDIS_URL, redis_prefix=prefix,
                                  notify_webhooks=json.dumps(hooks))  # fmt: skip
    broker = job_broker(configured)
    client = redis_client(configured)
    notifier = Notifier(configured, client)
    actor = notify_alert_actor(broker, notifier)
    worker = Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    yield broker, actor, notifier
    worker.stop()
    broker.close()
    client.close()
    delete_redis_keys(REDIS_URL, f"{prefix}*")


def alert(severity: str, tenant: str = "acme") -> dict[str, object]:
    return {"alert_id": str(uuid.uuid4()), "tenant_id": tenant, "severity": severity,
            "session_id": "s-1", "reason": "runaway loop: `npm test` 9 times in 10 calls"}  # fmt: skip


def test_a_failed_post_is_retried_and_each_destination_gets_the_alert_once(jobs, receiver):
    broker, actor, notifier = jobs
    critical = alert("critical")
    assert send_alert(actor, notifier, critical) == 2  # slack (warning+) and discord (critical)
    assert send_alert(actor, notifier, critical) == 2  # enqueued again: still posted once
    receiver.wait_for(("/slack", "/discord"))
    broker.join(QUEUE, timeout=30_000)
    assert [status for p, status, _ in receiver.posts if p == "/slack"] == [500, 200]  # retried
    assert len(receiver.ok("/slack")) == 1
    assert len(receiver.ok("/discord")) == 1
    assert "runaway loop" in receiver.ok("/slack")[0]["text"]
    assert "CRITICAL" in receiver.ok("/discord")[0]["content"]
    assert not receiver.ok("/other")


def test_destinations_follow_tenant_and_severity(jobs):
    _, _, notifier = jobs
    assert [d.kind for d in notifier.destinations_for("acme", "warning")] == ["slack"]
    assert [d.kind for d in notifier.destinations_for("acme", "critical")] == ["slack", "discord"]
    assert notifier.destinations_for("acme", "info") == []
    assert notifier.destinations_for("nobody", "critical") == []


def test_an_approval_request_is_posted_once_with_a_link_to_the_inbox(jobs, receiver, settings):
    from datetime import UTC, datetime, timedelta

    from commands.reactions.when_approval_requested_notify import WhenApprovalRequestedNotify
    from domain.sessions.aggregate import AgentSession
    from domain.sessions.ruling import ApprovalAsk, Ruling

    broker, actor, notifier = jobs
    at = datetime.now(UTC)
    session = AgentSession.open("acme", "s-2", at)
    ask = ApprovalAsk(f"{uuid.uuid4().hex}.ab12", "kubectl delete ns prod", ("operator",), (),
                      at + timedelta(seconds=40), "deny", False, "dana")  # fmt: skip
    ruling = Ruling("PreToolUse", "Bash", "tu", "approve", "prod", 1, "held", 0.1, approval=ask)
    session.decide(ruling, at=at)
    session.request_approval(ruling, at=at)
    events = list(enumerate(session.collect_events(), start=1))
    (notice,) = WhenApprovalRequestedNotify().changes(events)
    assert send_alert(actor, notifier, notice.alert) == 1  # acme's warning+ slack only
    assert send_alert(actor, notifier, notice.alert) == 1
    receiver.wait_for(("/slack",))
    broker.join(QUEUE, timeout=30_000)
    (posted,) = receiver.ok("/slack")
    assert "kubectl delete ns prod" in posted["text"] and "rule prod" in posted["text"]
    assert posted["text"].endswith(f"{settings.base_url}/approvals")
