"""Train, store and register the models as a background job (``observatory ml train --queue``).

The job runs ``workers.training.run_training``, the same code as ``observatory ml train``. Its
message carries a ``TrainingRequest`` whose label was fixed when it was enqueued, so a retried
job registers the same versions (training is deterministic) instead of new ones. Retried at
most ``MAX_RETRIES`` times: a failed training usually fails again.
"""

from __future__ import annotations

import logging
from typing import Any

import dramatiq

from workers.training import TrainingRequest, run_training

log = logging.getLogger(__name__)

ACTOR_NAME = "train_models"
QUEUE = "training"
MAX_RETRIES = 1
TIME_LIMIT_MS = 3 * 3600 * 1000
"""A default-size run takes under a minute on two cores; the limit only stops a stuck one."""


def train_models_actor(broker: dramatiq.Broker, url: str,
                       schema: str) -> dramatiq.Actor[Any, Any]:  # fmt: skip
    """The actor bound to ``broker`` and a database (built by the entry point, never at import)."""

    def train_models(request: dict[str, Any]) -> None:
        wanted = TrainingRequest.from_message(request)
        last = [""]

        def progress(stage: str, fraction: float) -> None:
            if stage != last[0]:  # one line per stage, not one per batch
                last[0] = stage
                log.info("train %s: [%3.0f%%] %s", wanted.label, fraction * 100, stage)

        versions = run_training(wanted, url, schema, progress)
        for version in versions:
            log.info("train %s: registered %s %s (%s)%s", wanted.label, version.kind,
                     version.version_id, version.sha256[:12],
                     " and promoted it" if version.promoted else "")  # fmt: skip

    decorate = dramatiq.actor(
        broker=broker, actor_name=ACTOR_NAME, queue_name=QUEUE,
        max_retries=MAX_RETRIES, time_limit=TIME_LIMIT_MS, min_backoff=10_000,
    )  # fmt: skip
    actor: dramatiq.Actor[Any, Any] = decorate(train_models)
    return actor


def enqueue_training(actor: dramatiq.Actor[Any, Any], request: TrainingRequest) -> str:
    """Sends one training job; its message id."""
    return str(actor.send(request.to_message()).message_id)
