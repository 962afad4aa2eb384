"""Alerts reach Slack and Discord webhooks through dramatiq on the real Redis broker: a failed
post is retried, a message enqueued twice is posted once, other tenants' hooks stay silent."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import redis
from dramatiq import Worker

from infra.jobs import job_broker
from infra.redis_connections import redis_client
from workers.actors.notify_alert import QUEUE, Notifier, notify_alert_actor, send_alert

REDIS_URL = "redis://127.0.0.1:6379/0"


class Receiver:
    """A local incoming-webhook endpoint: /slack answers 500 to its first post, then 200."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, int, dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.delivered = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.lock:
                    first = not any(p[0] == self.path for p in receiver.posts)
                    status = 500 if self.path == "/slack" and first else 200
                    receiver.posts.append((self.path, status, body))
                    receiver.delivered.notify_all()
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ok(self, path: str) -> list[dict[str, Any]]:
        return [body for p, status, body in self.posts if p == path and status == 200]

    def wait_for(self, paths: tuple[str, ...], timeout: float = 30) -> None:
        with self.lock:
            assert self.delivered.wait_for(lambda: all(self.ok(p) for p in paths), timeout)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


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
    with redis.Redis.from_url(REDIS_URL) as cleanup:
        for key in cleanup.scan_iter(match=f"{prefix}*"):
            cleanup.delete(key)


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
