"""Background jobs on the real Redis broker: a queued training runs on a dramatiq worker and
registers its versions; a raised alert is dispatched to its webhook once, and replays of the
dispatcher post nothing more (Redis idempotency; alerts older than an hour are skipped)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import torch
from click.testing import CliRunner

from commands.alerts.messages import RecordAssessment
from commands.alerts.service import AlertDesk
from commands.ml.messages import PromoteModel, RegisterTrainedModel
from commands.ml.service import ModelRegistry
from commands.reactions.when_alert_raised_notify import NAME, NotifyDispatch, WhenAlertRaisedNotify
from infra.database import connect, eventsourcing_env
from tests.cleanup import delete_redis_keys
from tests.webhooks import Receiver
from workers.actors.notify_alert import QUEUE as NOTIFICATIONS
from workers.actors.train_models import QUEUE as TRAINING
from workers.bootstrap.jobs import Jobs, start_jobs
from workers.bootstrap.projections import PROJECTIONS
from workers.cli import main
from workers.projector import ProjectorRunner

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def configured(settings, receiver):
    """Settings with Redis under a prefix of the test's own (keys removed afterwards)."""
    prefix = f"mljobs{uuid.uuid4().hex[:8]}"
    hooks = [{"tenant": "default", "min_severity": "info", "kind": "slack",
              "url": receiver.url + "/slack"}]  # fmt: skip
    yield settings.replace(redis_url=REDIS_URL, redis_prefix=prefix,
                           notify_webhooks=json.dumps(hooks))  # fmt: skip
    delete_redis_keys(REDIS_URL, f"{prefix}*")


@pytest.fixture
def jobs(configured, pg_url) -> Iterator[Jobs]:
    running = start_jobs(configured, pg_url, 2)
    yield running
    running.stop()


@pytest.fixture
def desks(pg_url, schema):
    env = eventsourcing_env(pg_url, schema, 2)
    alerts, registry = AlertDesk(env), ModelRegistry(env)
    yield alerts, registry
    alerts.close()
    registry.close()


def test_a_queued_training_runs_on_a_dramatiq_worker_and_registers_promoted_versions(
    pg_url, schema, configured, jobs, desks
):
    torch.set_num_threads(1)
    _, registry = desks
    environment = {"OBSERVATORY_DATABASE_URL": pg_url, "OBSERVATORY_DATABASE_SCHEMA": schema,
                   "OBSERVATORY_REDIS_URL": REDIS_URL,
                   "OBSERVATORY_REDIS_PREFIX": configured.redis_prefix}  # fmt: skip
    queued = CliRunner().invoke(
        main, ["ml", "train", "--size", "small", "--label", "queued", "--promote", "--queue"],
        env=environment,
    )  # fmt: skip
    assert queued.exit_code == 0, queued.output
    assert "Enqueued training 'queued'" in queued.output
    assert jobs.queues == [TRAINING, NOTIFICATIONS]
    jobs.worker.broker.join(TRAINING, timeout=300_000)
    for kind in ("anomaly", "failure", "burn_rate"):
        version = registry.promoted("default", kind)
        assert version is not None and version.label == "queued", kind


def raise_alert(desks: tuple[AlertDesk, ModelRegistry], session: str = "s-loop") -> str:
    alerts, registry = desks
    version_id = registry.register_trained(RegisterTrainedModel(
        "default", "anomaly", f"low-{session}", "d" * 64, "session-window-v1", "test",
        datetime(2025, 6, 1, tzinfo=UTC),
        {"thresholds": {"info": 0.1, "warning": 0.2, "critical": 0.3}},
    )).version_id  # fmt: skip
    assert version_id is not None
    registry.promote(PromoteModel("default", version_id, "ml-ops"))
    raised = alerts.record_assessment(RecordAssessment(
        "default", session, version_id, 0.9, 10,
        [{"name": "max_command_repeats", "value": 9.0, "contribution": 4.0}], agent="main",
    ))  # fmt: skip
    assert raised.alert_id is not None
    return str(raised.alert_id)


def test_a_raised_alert_is_posted_once_even_when_the_dispatcher_replays(
    pg_url, schema, store, configured, jobs, desks, receiver
):
    alert_id = raise_alert(desks)
    spec = PROJECTIONS[NAME]
    assert spec.enabled(configured)
    assert not spec.enabled(configured.replace(redis_url=None))
    with connect(pg_url, schema, autocommit=True) as conn:
        view: Any = spec.view(conn, configured, pg_url)
        runner = ProjectorRunner(NAME, store, spec.projection(), view, batch_size=2)
        runner.catch_up()
        receiver.wait_for(("/slack",))
        jobs.worker.broker.join(NOTIFICATIONS, timeout=30_000)
        runner.rebuild()  # the alert is recent: enqueued again, and not posted again
        jobs.worker.broker.join(NOTIFICATIONS, timeout=30_000)
        view.close()
    posts = receiver.ok("/slack")
    assert len(posts) == 1
    assert alert_id in posts[0]["text"] and "CRITICAL" in posts[0]["text"]


def test_a_replay_skips_alerts_raised_more_than_an_hour_ago(pg_url, schema, store, desks):
    raise_alert(desks)
    sent: list[dict[str, Any]] = []
    later = [datetime.now(UTC)]

    def sender() -> tuple[Any, Any]:
        return (lambda alert: sent.append(alert) or 1), (lambda: None)

    with connect(pg_url, schema, autocommit=True) as conn:
        dispatch = NotifyDispatch(conn, sender, clock=lambda: later[0])
        runner = ProjectorRunner(NAME, store, WhenAlertRaisedNotify(), dispatch)
        runner.catch_up()
        assert [a["severity"] for a in sent] == ["critical"]
        later[0] += timedelta(hours=2)
        runner.rebuild()
        assert len(sent) == 1
        assert dispatch.position() == store.recorder.max_notification_id()


def test_the_dispatcher_runs_only_with_webhooks_and_redis(settings):
    enabled = PROJECTIONS[NAME].enabled
    assert not enabled(settings)
    assert not enabled(settings.replace(notify_webhooks="[]", redis_url=None))
    assert enabled(settings.replace(notify_webhooks="[]", redis_url=REDIS_URL))
