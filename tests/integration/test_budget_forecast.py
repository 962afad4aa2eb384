"""The burn-rate forecaster on the real cost stream: Claude Code's ``api_request`` telemetry
posted to the API, relayed to JetStream, folded by the scoring worker, which raises one
``budget_exhaustion_forecast`` alert when a session's budget will be spent within the hour, and
no second one for the same budget and window (real PostgreSQL and NATS; the test waits for the
worker to have scored the log's head, never sleeps)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient

from commands.reactions.relay.worker import RelayWorker
from commands.store.application import EventStoreApplication
from domain.alerts.alert import BUDGET_FORECAST, Alert
from projections.alerts.projection import NAME as ALERTS
from tests.integration.relay_support import RunningRelay, head, relay_settings
from tests.integration.test_budgets import LOGS, add_rule, api_requests
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
