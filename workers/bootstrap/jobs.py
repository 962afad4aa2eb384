"""The ``jobs`` role: a dramatiq worker for the background jobs (training, notifications)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra.settings import Settings


@dataclass
class Jobs:
    """A running dramatiq worker and what it holds; ``stop()`` ends it cleanly."""

    worker: Any
    queues: list[str]
    closers: list[Callable[[], object]] = field(default_factory=list)

    def stop(self) -> None:
        self.worker.stop()
        for close in reversed(self.closers):
            with contextlib.suppress(Exception):
                close()


def start_jobs(settings: Settings, url: str, threads: int) -> Jobs:
    """Declares the actors on the Redis broker and starts consuming (raises
    ``RedisNotConfiguredError`` without ``OBSERVATORY_REDIS_URL``)."""
    from dramatiq import Worker

    from infra.jobs import job_broker
    from workers.actors.train_models import train_models_actor

    broker = job_broker(settings)
    closers: list[Callable[[], object]] = [broker.close]
    queues = [str(train_models_actor(broker, url, settings.database_schema).queue_name)]
    if settings.notify_webhooks:
        from infra.redis_connections import redis_client
        from workers.actors.notify_alert import Notifier, notify_alert_actor

        client = redis_client(settings)
        closers.append(client.close)
        queues.append(str(notify_alert_actor(broker, Notifier(settings, client)).queue_name))
    worker = Worker(broker, worker_threads=threads)
    worker.start()
    return Jobs(worker, queues, closers)
