"""The loop closes, end to end on real PostgreSQL, NATS and Redis: hooks streamed over HTTP are
relayed to JetStream, scored by the promoted models, a critical alert quarantines the runaway
session (its next PreToolUse is answered ``ask``) and is posted to a chat webhook by a dramatiq
worker; a normal session raises nothing.

The sessions come from the ML package's generator, posted as the hooks Claude Code would send,
each received at the generator's time (the server's clock): the first normal session of seed
11 and the first loop session of seed 27, whose repeated failing command takes the small
models' anomaly score over the critical threshold (many generated loops only reach warning:
docs/ml.md has the models' recall)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import torch
from litestar.testing import TestClient

from commands.ml.messages import PromoteModel, RegisterTrainedModel
from commands.ml.service import ModelRegistry
from commands.reactions.relay.worker import RelayWorker
from domain.alerts.alert import Alert
from domain.alerts.assessment import Assessment
from infra.database import eventsourcing_env
from infra.model_store import ModelStore
from ml.training.train import SIZES, train_models
from tests.cleanup import delete_redis_keys
from tests.integration.relay_support import RunningRelay, head, relay_settings, wait_for_checkpoint
from tests.ml_sessions import hooks, pick
from tests.webhooks import Receiver
from workers.bootstrap.api import api_app
from workers.bootstrap.jobs import start_jobs
from workers.bootstrap.projections import PROJECTIONS
from workers.bootstrap.projectors import runner
from workers.bootstrap.scoring import scoring as scoring_worker

__all__ = ["relay_settings"]  # the fixture: a stream and subject prefix of this test's own

REDIS_URL = "redis://127.0.0.1:6379/0"
REGISTRY_KIND = {"anomaly-isolation-forest": "anomaly", "failure-gru": "failure"}


def promote_small_models(url: str, schema: str) -> None:
    """Trains the small models (seeded), stores and promotes them for the default tenant."""
    torch.set_num_threads(1)
    env = eventsourcing_env(url, schema, 1)
    registry, store = ModelRegistry(env), ModelStore(url, schema)
    try:
        for kind, artifact in train_models(SIZES["small"]).artifacts().items():
            if kind not in REGISTRY_KIND:
                continue
            sha = store.put(kind, artifact.to_bytes())
            thresholds = {k: v for k, v in artifact.thresholds.items() if v is not None}
            registered = registry.register_trained(RegisterTrainedModel(
                "default", REGISTRY_KIND[kind], "small-7", sha, artifact.feature_schema_version,
                "test", datetime.now(UTC), {"thresholds": thresholds},
            ))  # fmt: skip
            registry.promote(PromoteModel("default", registered.version_id, "test"))
    finally:
        registry.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def loop_settings(relay_settings, receiver):
    """NATS (the relay fixture's stream), Redis (jobs and notifications), a chat webhook."""
    prefix = f"loop{uuid.uuid4().hex[:8]}"
    hook = [{"tenant": "default", "min_severity": "critical", "kind": "slack",
             "url": receiver.url + "/alerts"}]  # fmt: skip
    yield relay_settings.replace(redis_url=REDIS_URL, redis_prefix=prefix,
                                 notify_webhooks=json.dumps(hook))  # fmt: skip
    delete_redis_keys(REDIS_URL, f"{prefix}*")


def test_a_runaway_loop_is_quarantined_and_a_normal_session_is_left_alone(
    loop_settings, receiver, pg_url, schema, store, db
):
    relay_settings = loop_settings
    promote_small_models(pg_url, schema)
    jobs = start_jobs(relay_settings, pg_url, 1)  # dramatiq on Redis: notifications
    now = [datetime.now(UTC)]
    app = api_app(relay_settings, pg_url, clock=lambda: now[0])
    scoring, stop = scoring_worker(relay_settings, pg_url), threading.Event()
    scorer = threading.Thread(target=scoring.run, args=(stop,))
    scorer.start()
    try:
        with TestClient(app) as client, RunningRelay(RelayWorker(store, relay_settings, pg_url)):
            assert scoring.ready.wait(30)

            def post(body: dict[str, Any], at: datetime) -> dict[str, Any]:
                now[0] = at
                answer = client.post("/v1/hooks/claude-code", content=json.dumps(body))
                assert answer.status_code == 200, answer.text
                return answer.json() if answer.content else {}

            loop = [h for h in hooks(pick("loop", 27), "runaway") if h[1]["hook_event_name"]
                    not in ("Stop", "StopFailure", "SessionEnd")]  # still running  # fmt: skip
            for at, body in [*loop, *hooks(pick("normal", 11), "steady")]:
                post(body, at)
            wait_for_checkpoint(db, head(store))
            assert scoring.wait_for(head(store), 60), "scoring did not keep up"
            for name in ("when_alert_raised_quarantine_session", "when_alert_raised_notify"):
                policy, conn = runner(PROJECTIONS[name], relay_settings, pg_url, store)
                policy.catch_up()
                conn.close()

            events = [store.mapper.to_domain_event(n)
                      for n in store.recorder.select_notifications(start=1, limit=100_000)]  # fmt: skip
            scored = {(e.session_id, type(e).__name__) for e in events
                      if isinstance(e, Assessment.Scored)}  # fmt: skip
            alerts = [(e.session_id, e.severity) for e in events if isinstance(e, Alert.Raised)]
            assert ("runaway", "critical") in alerts
            assert {kind for sid, kind in scored if sid == "runaway"} & {
                "AnomalyDetected", "FailurePredicted"}  # fmt: skip
            assert not [s for s in scored if s[0] == "steady"], scored
            assert not [a for a in alerts if a[0] == "steady"], alerts

            at, body = loop[-1]
            nxt = dict(body, hook_event_name="PreToolUse", tool_name="Bash",
                       tool_use_id="toolu_after", tool_input={"command": "npm test"})  # fmt: skip
            nxt.pop("tool_response", None)
            decision = post(nxt, at)["hookSpecificOutput"]
            assert decision["permissionDecision"] == "ask"
            assert decision["permissionDecisionReason"]
            receiver.wait_for(("/alerts",))  # the critical alert reached the chat channel
            assert "runaway" in receiver.ok("/alerts")[0]["text"]
            assert "steady" not in json.dumps(receiver.posts)
    finally:
        stop.set()
        scorer.join(30)
        jobs.stop()
