"""The burn-rate forecaster on the real cost stream: Claude Code's ``api_request`` telemetry
posted to the API, relayed to JetStream, folded by the scoring worker, which raises one
``budget_exhaustion_forecast`` alert when a session's budget will be spent within the hour, and
no second one for the same budget and window (real PostgreSQL and NATS; the test waits for the
worker to have scored the log's head, never sleeps)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import TestClient

from commands.guardrails.follower import PolicyFollower
from commands.guardrails.service import PolicyDesk
from commands.ml.messages import PromoteModel, RegisterTrainedModel
from commands.ml.service import ModelRegistry
from commands.reactions.relay.worker import RelayWorker
from commands.reactions.scoring.budgets import MIN_CALLS, BudgetWatch
from commands.store.application import EventStoreApplication
from domain.alerts.alert import BUDGET_FORECAST, Alert
from infra.database import eventsourcing_env
from infra.model_store import ModelStore
from ml.inference import SessionModels
from ml.models.burn import BurnRateForecaster, burn_to_artifact
from projections.alerts.projection import NAME as ALERTS
from tests.integration.relay_support import RunningRelay, head, relay_settings
from tests.integration.test_budgets import LOGS, add_rule, api_requests
from tests.unit.test_budget_forecast import documents
from tests.unit.test_budgets import model_call
from workers.bootstrap.api import api_app
from workers.bootstrap.projections import PROJECTIONS
from workers.bootstrap.projectors import runner
from workers.bootstrap.scoring import scoring as scoring_worker

__all__ = ["relay_settings"]  # the fixture: a stream and subject prefix of this test's own


def forecast_alerts(store: EventStoreApplication) -> list[Any]:
    events = [store.mapper.to_domain_event(n)
              for n in store.recorder.select_notifications(start=1, limit=100_000)]  # fmt: skip
    return [e for e in events if isinstance(e, Alert.Raised) and e.model_kind == BUDGET_FORECAST]


def test_a_session_burning_towards_its_budget_raises_one_forecast_alert(
    relay_settings, pg_url, store
):
    scoring, stop = scoring_worker(relay_settings, pg_url), threading.Event()
    worker = threading.Thread(target=scoring.run, args=(stop,))
    worker.start()
    try:
        with (TestClient(api_app(relay_settings, pg_url)) as client,
              RunningRelay(RelayWorker(store, relay_settings, pg_url))):  # fmt: skip
            assert scoring.ready.wait(30)
            add_rule(client, {"id": "session-cap", "decision": "deny",
                              "budget": {"scope": "session", "usd": 1.0}})  # fmt: skip
            session, steady = f"s-{uuid.uuid4()}", f"s-{uuid.uuid4()}"

            def export(name: str, costs: list[float], step: timedelta) -> None:
                response = client.post(LOGS, content=api_requests(name, costs, step=step),
                                       headers={"content-type": "application/json"})  # fmt: skip
                assert response.status_code == 200, response.text

            export(session, [0.2, 0.2, 0.2], timedelta(minutes=1))  # 0.60 of 1.00 in 2 min
            export(steady, [0.01, 0.01, 0.01], timedelta(minutes=20))  # far from its 1.00
            assert scoring.wait_for(head(store), 60), "scoring did not keep up"
            (alert,) = forecast_alerts(store)
            assert (alert.session_id, alert.severity, alert.tenant_id) == (session, "warning",
                                                                          "default")  # fmt: skip
            assert "rule session-cap" in alert.reason
            assert f"budget session:{session} lifetime 0.60 USD of 1.00 USD" in alert.reason
            export(session, [0.1], timedelta())
            assert scoring.wait_for(head(store), 60)
            assert len(forecast_alerts(store)) == 1  # once per budget and window
            projection, conn = runner(PROJECTIONS[ALERTS], relay_settings, pg_url, store)
            projection.catch_up()
            conn.close()
            found = client.post("/graphql", json={"query": "{ alerts { edges { node { "
                                "sessionId modelKind severity reason } } } }"}).json()  # fmt: skip
            (node,) = [e["node"] for e in found["data"]["alerts"]["edges"]]
            assert (node["sessionId"], node["modelKind"], node["severity"]) == (
                session, "BUDGET_EXHAUSTION_FORECAST", "WARNING",
            )  # fmt: skip
    finally:
        stop.set()
        worker.join(30)


def test_a_promoted_burn_rate_version_is_the_forecaster_and_is_named_on_the_alert(pg_url, schema):
    """The trained artifact is loaded from the model store (PostgreSQL), as the scorer loads
    its models; without one the defaults forecast (tests/unit/test_budget_forecast.py)."""
    env = eventsourcing_env(pg_url, schema, 1)
    registry, artifacts = ModelRegistry(env), ModelStore(pg_url, schema)
    try:
        artifact = burn_to_artifact(BurnRateForecaster(4.0, 2.0), {"coverage": 0.8})
        sha = artifacts.put("burn-rate-ewma", artifact.to_bytes())
        registered = registry.register_trained(RegisterTrainedModel(
            "t1", "burn_rate", "burn-1", sha, artifact.feature_schema_version, "test",
            datetime.now(UTC), {"model_median_error": 0.2},
        ))  # fmt: skip
        registry.promote(PromoteModel("t1", registered.version_id, "test"))
        store, desk = EventStoreApplication(), PolicyDesk()
        desk.add_rule("t1", {"id": "session-cap", "decision": "deny",
                             "budget": {"scope": "session", "usd": 5}}, by="ops")  # fmt: skip
        watch = BudgetWatch(PolicyFollower(desk), registry, artifacts, SessionModels())
        start = datetime.now(UTC) - timedelta(minutes=5)
        for minute in range(MIN_CALLS):
            model_call(store, "s1", 1.0, start + timedelta(minutes=minute))
        (alert,) = watch.forecasts(documents(store))
        assert alert.model_version_id == registered.version_id
    finally:
        registry.close()
