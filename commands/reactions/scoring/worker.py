"""The scoring worker: a durable JetStream consumer that scores sessions as events arrive.

It pulls batches from the stream the relay fills (durable consumer ``ml-scoring``; several
workers bound to it share the load, like a queue group), scores them (``scoring.scorer``),
records each assessment worth recording through the AlertDesk (which raises alerts by the
model version's thresholds; the quarantine policy acts on critical ones), and acknowledges
the batch only then: a worker that dies mid-batch leaves it to be redelivered. The model calls
in the batch also feed the budget forecaster (``scoring.budgets``), which raises a
``budget_exhaustion_forecast`` alert when a budget rule's limit will be reached before its
window ends.

Outages: NATS or PostgreSQL unavailable -> a warning, backoff, reconnect; unacknowledged
messages come back. A session's events redelivered after its state moved on are skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import nats.errors
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from commands.alerts.service import AlertDesk
from commands.guardrails.follower import PolicyFollower
from commands.ml.service import ModelRegistry
from commands.reactions.runner import Follows
from commands.reactions.scoring.budgets import BudgetWatch
from commands.reactions.scoring.models import CanLoadBurn, CanLoadModels
from commands.reactions.scoring.scorer import Scorer
from commands.store.application import EventStoreApplication
from infra import nats as broker
from infra.database import eventsourcing_env
from infra.metrics import SCORING_ASSESSMENTS, SCORING_EVENTS, SCORING_SECONDS
from infra.model_store import ModelStore
from infra.settings import Settings

log = logging.getLogger(__name__)

DURABLE = "ml-scoring"


@dataclass
class ScoringStats:
    events: int = 0
    batches: int = 0
    assessments: int = 0
    forecasts: int = 0
    """Budget exhaustion alerts asked for (a duplicate refused by the desk counts too)."""
    position: int = 0
    """Highest global position scored."""


class ScoringWorker:
    """A ``Reaction`` (``commands.reactions.runner``) on the stream; ``models`` is the model
    code (``ml.inference.SessionModels``, passed in by the composition root)."""

    name = DURABLE
    follows: Follows = "stream"

    def __init__(
        self, settings: Settings, url: str, models: CanLoadModels, *, batch: int = 500,
        burn: CanLoadBurn | None = None,
    ) -> None:  # fmt: skip
        self._settings, self._url, self._batch = settings, url, batch
        self._models, self._burn = models, burn
        self.stats = ScoringStats()
        self.ready = threading.Event()
        """Set once the consumer is bound (tests wait on it)."""
        self._progress = threading.Condition()

    def wait_for(self, position: int, timeout: float) -> bool:
        """Blocks until events up to ``position`` are scored and recorded (False: timed out)."""
        with self._progress:
            return self._progress.wait_for(lambda: self.stats.position >= position, timeout)

    def run(self, stop: threading.Event) -> None:
        env = eventsourcing_env(self._url, self._settings.database_schema, 2)
        store, registry, desk = EventStoreApplication(env), ModelRegistry(env), AlertDesk(env)
        artifacts = ModelStore(self._url, self._settings.database_schema)
        scorer = Scorer(registry, artifacts, store, self._settings.nats_subject_prefix,
                        self._models)  # fmt: skip
        watch = None
        if self._burn is not None:
            watch = BudgetWatch(PolicyFollower(store), registry, artifacts, self._burn)
        try:
            asyncio.run(self._run(stop, scorer, desk, watch))
        finally:
            for app in (store, registry, desk):
                app.close()

    async def _run(
        self, stop: threading.Event, scorer: Scorer, desk: AlertDesk, watch: BudgetWatch | None
    ) -> None:
        failures = 0
        while not stop.is_set():
            try:
                await self._consume(stop, scorer, desk, watch)
                failures = 0
            except Exception as error:  # noqa: BLE001 - any outage: back off, reconnect
                failures += 1
                log.warning("scoring: %s: %s; retrying (unacknowledged events come back)",
                            type(error).__name__, error)  # fmt: skip
                await asyncio.to_thread(stop.wait, min(5.0, 0.2 * 2**failures))

    async def _consume(
        self, stop: threading.Event, scorer: Scorer, desk: AlertDesk, watch: BudgetWatch | None
    ) -> None:
        settings = self._settings
        client = await broker.connect(str(settings.nats_url), name="observatory-ml-scoring")
        try:
            js = client.jetstream()
            subscription = await js.pull_subscribe(
                f"{settings.nats_subject_prefix}.>", durable=DURABLE, stream=settings.nats_stream,
                config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=120,
                                      deliver_policy=DeliverPolicy.ALL,
                                      max_ack_pending=20_000),
            )  # fmt: skip
            self.ready.set()
            while not stop.is_set():
                try:
                    messages = await subscription.fetch(self._batch, timeout=1)
                except (TimeoutError, nats.errors.TimeoutError):
                    continue
                started = time.perf_counter()
                documents = [json.loads(m.data) for m in messages]
                records = await asyncio.to_thread(scorer.score, documents)
                for record in records:
                    await asyncio.to_thread(desk.record_assessment, record)
                forecasts = [] if watch is None else await asyncio.to_thread(
                    watch.forecasts, documents)  # fmt: skip
                for forecast in forecasts:
                    await asyncio.to_thread(desk.forecast_budget_exhaustion, forecast)
                self.stats.forecasts += len(forecasts)
                for message in messages:
                    await message.ack()
                self._observe(documents, len(records), time.perf_counter() - started)
        finally:
            with contextlib.suppress(Exception):
                await client.close()

    def _observe(self, documents: list[dict[str, Any]], recorded: int, seconds: float) -> None:
        self.stats.events += len(documents)
        self.stats.batches += 1
        self.stats.assessments += recorded
        positions = [int(d.get("position", 0)) for d in documents]
        with self._progress:
            self.stats.position = max([self.stats.position, *positions])
            self._progress.notify_all()
        SCORING_EVENTS.inc(len(documents))
        SCORING_ASSESSMENTS.inc(recorded)
        SCORING_SECONDS.observe(seconds)
