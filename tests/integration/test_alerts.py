"""Alerts on a real database: assessments raise one alert per open trouble; operators
acknowledge and resolve over REST and GraphQL (roles and tenants checked); a critical alert
quarantines its session so the next PreToolUse asks, once even when two policy runners race;
the read model rebuilds to the same rows; the audit log shows every command."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from commands.alerts.messages import MAX_NOTE_CHARS, RecordAssessment
from commands.alerts.service import AlertDesk
from commands.guardrails.service import PolicyDesk
from commands.ml.messages import PromoteModel, RegisterTrainedModel
from commands.ml.service import ModelRegistry
from commands.reactions.when_alert_raised_quarantine_session import (
    NAME as POLICY,
)
from commands.reactions.when_alert_raised_quarantine_session import (
    QuarantineReactions,
    WhenAlertRaisedQuarantineSession,
)
from commands.store.application import EventStoreApplication
from domain.alerts.alert import Alert
from domain.guardrails.interventions import Intervention
from infra.access.principal import Role
from infra.access.tokens import signer_for
from infra.database import connect, eventsourcing_env
from infra.tracking import StalePositionError
from projections.alerts.postgres import PostgresAlertsView
from projections.alerts.projection import NAME as ALERTS
from projections.alerts.projection import AlertsProjection
from projections.audit_log.postgres import PostgresAuditLogView
from projections.audit_log.projection import NAME as AUDIT
from projections.audit_log.projection import AuditLogProjection
from tests.live import follow
from workers.bootstrap.api import api_app
from workers.projector import ProjectorRunner

HOOK = "/v1/hooks/claude-code"
ALERTS_QUERY = """query($f: AlertFilter, $p: Position) { alerts(filter: $f, minPosition: $p) {
  edges { node { id sessionId severity status reason acknowledgedBy resolvedNote escalation } } } }"""
ACK = 'mutation($id: String!) { acknowledgeAlert(id: $id, note: "on it") { alertId position } }'
ACT = "mutation($id: String!, $n: String!) { %s(id: $id, note: $n) { position } }"


@pytest.fixture
def desks(pg_url, schema):
    env = eventsourcing_env(pg_url, schema, 2)
    alerts, registry = AlertDesk(env), ModelRegistry(env)
    yield alerts, registry
    alerts.close()
    registry.close()


@pytest.fixture
def runners(pg_url, schema, store):
    """The alerts projection, the audit log and the quarantine policy, driven by the test."""
    env = eventsourcing_env(pg_url, schema, 2)
    with connect(pg_url, schema, autocommit=True) as conn:
        reactions = QuarantineReactions(conn, AlertDesk(env), PolicyDesk(env))
        yield {
            "alerts": ProjectorRunner(ALERTS, store, AlertsProjection(), PostgresAlertsView(conn),
                                      batch_size=3),
            "audit": ProjectorRunner(AUDIT, store, AuditLogProjection(),
                                     PostgresAuditLogView(conn)),
            "policy": ProjectorRunner(POLICY, store, WhenAlertRaisedQuarantineSession(),
                                      reactions, batch_size=2),
        }  # fmt: skip
        reactions.close()


def promoted_model(registry: ModelRegistry, tenant: str = "default") -> Any:
    version_id = registry.register_trained(RegisterTrainedModel(
        tenant, "failure", "lstm-1", "c" * 64, "3", "trainer", datetime(2025, 5, 1, tzinfo=UTC),
        {"roc_auc": 0.93, "thresholds": {"warning": 0.6, "critical": 0.85}},
    )).version_id  # fmt: skip
    registry.promote(PromoteModel(tenant, version_id, "ml-ops"))
    return version_id


def assess(alerts: AlertDesk, version_id: Any, score: float, session: str = "s-loop",
           tenant: str = "default") -> Any:  # fmt: skip
    return alerts.record_assessment(RecordAssessment(
        tenant, session, version_id, score, 10,
        [{"name": "tool_failure_rate", "value": 0.8, "contribution": 0.5}], agent="main",
    ))  # fmt: skip


def graphql(client: TestClient[Any], query: str, headers: Any = None, **variables: Any) -> Any:
    return client.post("/graphql", json={"query": query, "variables": variables},
                       headers=headers or {}).json()  # fmt: skip


def pre(session: str, tool_use_id: str) -> bytes:
    return json.dumps({"session_id": session, "hook_event_name": "PreToolUse",
                       "tool_name": "Bash", "tool_input": {"command": "ls"},
                       "tool_use_id": tool_use_id}).encode()  # fmt: skip


def test_rest_and_graphql_refuse_an_alert_command_in_the_same_words(client, desks):
    alerts, registry = desks
    alert_id = str(assess(alerts, promoted_model(registry), 0.9).alert_id)
    unknown = "00000000-0000-0000-0000-000000000000"
    cases = [  # (verb, alert, note, HTTP status and reason, GraphQL code)
        ("acknowledge", alert_id, "x" * (MAX_NOTE_CHARS + 1), 400, "invalid_command", "BAD_INPUT"),
        ("acknowledge", unknown, "", 404, "alert_not_found", "NOT_FOUND"),
        ("acknowledge", "not-a-uuid", "", 404, "alert_not_found", "NOT_FOUND"),
        ("resolve", alert_id, "done", 202, None, None),
        ("acknowledge", alert_id, "", 409, "conflict", "CONFLICT"),
        ("resolve", alert_id, "", 409, "conflict", "CONFLICT"),
    ]
    for verb, target, note, status, reason, code in cases:
        rest = client.post(f"/v1/alerts/{target}/{verb}", json={"note": note})
        assert rest.status_code == status, rest.text
        if reason is None:
            continue
        answer = graphql(client, ACT % f"{verb}Alert", id=target, n=note)
        (error,) = answer["errors"]
        assert (rest.json()["reason"], error["extensions"]["code"]) == (reason, code)
        assert rest.json()["detail"] == error["message"]
    not_text = client.post(f"/v1/alerts/{alert_id}/resolve", json={"note": 5})
    assert (not_text.status_code, not_text.json()["reason"]) == (400, "invalid_command")


def test_an_assessment_over_the_threshold_raises_one_alert_while_it_is_open(client, desks, runners):
    alerts, registry = desks
    version_id = promoted_model(registry)
    first = assess(alerts, version_id, 0.9)
    again = assess(alerts, version_id, 0.95)
    quiet = assess(alerts, version_id, 0.1, session="s-calm")
    assert first.alert_id is not None and again.alert_id is None and quiet.alert_id is None
    runners["alerts"].catch_up()
    found = graphql(client, ALERTS_QUERY, p=quiet.position)["data"]["alerts"]["edges"]
    assert [(e["node"]["sessionId"], e["node"]["severity"]) for e in found] == [
        ("s-loop", "CRITICAL")
    ]
    assert "heading for failure" in found[0]["node"]["reason"]
    versions = graphql(client, "{ modelVersions { label status kind metrics } }")["data"]
    assert versions["modelVersions"][0]["status"] == "PROMOTED"
    assert versions["modelVersions"][0]["metrics"]["roc_auc"] == 0.93


def test_a_critical_alert_quarantines_the_session_and_its_next_tool_call_asks(
    client, desks, runners, store
):
    alerts, registry = desks
    follow(client)
    assert not client.post(HOOK, content=pre("s-loop", "t0")).content
    raised = assess(alerts, promoted_model(registry), 0.9)
    warning = assess(alerts, registry.by_label("default", "failure", "lstm-1").id, 0.7, "s-warm")
    runners["policy"].catch_up()
    follow(client)
    output = client.post(HOOK, content=pre("s-loop", "t1")).json()["hookSpecificOutput"]
    assert output["permissionDecision"] == "ask"
    assert "heading for failure" in output["permissionDecisionReason"]
    assert not client.post(HOOK, content=pre("s-warm", "t2")).content  # warnings do not
    assert alerts.alert("default", raised.alert_id).escalated
    assert not alerts.alert("default", warning.alert_id).escalated
    head = store.recorder.max_notification_id()
    runners["policy"].rebuild()  # replay acts on nothing already escalated
    assert store.recorder.max_notification_id() == head
    runners["alerts"].catch_up()
    node = graphql(client, ALERTS_QUERY, f={"severity": "CRITICAL"})["data"]["alerts"]["edges"]
    assert node[0]["node"]["escalation"].startswith("quarantine: session quarantined")


def test_a_resolved_alert_is_not_acted_on_by_the_policy(client, desks, runners):
    alerts, registry = desks
    raised = assess(alerts, promoted_model(registry), 0.9)
    assert (
        client.post(f"/v1/alerts/{raised.alert_id}/resolve", json={"note": "fine"}).status_code
        == 202
    )
    runners["policy"].catch_up()
    follow(client)
    assert not client.post(HOOK, content=pre("s-loop", "t1")).content


@pytest.fixture
def secure(secure_settings, pg_url):
    with TestClient(api_app(secure_settings, pg_url), raise_server_exceptions=False) as client:
        yield client


def test_operators_acknowledge_and_resolve_over_rest_and_graphql_viewers_cannot(
    secure, secure_settings, desks, runners, db
):
    alerts, registry = desks
    signer = signer_for(secure_settings)

    def bearer(*roles: Role, tenant: str = "default") -> dict[str, str]:
        token = signer.issue("bob@example.org", tenant, list(roles), timedelta(minutes=5))
        return {"authorization": f"Bearer {token}"}

    alert_id = str(assess(alerts, promoted_model(registry), 0.9).alert_id)
    viewer, operator = bearer(Role.VIEWER), bearer(Role.OPERATOR)
    assert secure.post(f"/v1/alerts/{alert_id}/acknowledge", headers=viewer).status_code == 403
    denied = graphql(secure, ACK, viewer, id=alert_id)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    foreign = bearer(Role.OPERATOR, tenant="other")
    assert secure.post(f"/v1/alerts/{alert_id}/resolve", headers=foreign).status_code == 404
    assert graphql(secure, ACK, foreign, id=alert_id)["errors"][0]["extensions"]["code"] == (
        "NOT_FOUND"
    )
    assert secure.post("/v1/alerts/not-a-uuid/resolve", headers=operator).status_code == 404
    acked = graphql(secure, ACK, operator, id=alert_id)["data"]["acknowledgeAlert"]
    assert acked["alertId"] == alert_id and acked["position"] > 0
    twice = secure.post(f"/v1/alerts/{alert_id}/acknowledge", headers=operator)
    assert (twice.status_code, twice.json()["reason"]) == (409, "conflict")
    resolved = secure.post(f"/v1/alerts/{alert_id}/resolve", json={"note": "loop fixed"},
                           headers=operator)  # fmt: skip
    assert resolved.status_code == 202, resolved.text
    again = graphql(secure, ACK.replace("acknowledgeAlert", "resolveAlert"), operator, id=alert_id)
    assert again["errors"][0]["extensions"]["code"] == "CONFLICT"
    runners["alerts"].catch_up()
    node = graphql(secure, ALERTS_QUERY, viewer, p=resolved.json()["position"],
                   f={"status": "RESOLVED"})["data"]["alerts"]["edges"][0]["node"]  # fmt: skip
    assert (node["acknowledgedBy"], node["resolvedNote"]) == ("bob@example.org", "loop fixed")
    assert (
        graphql(secure, ALERTS_QUERY, bearer(Role.VIEWER, tenant="other"))["data"]["alerts"][
            "edges"
        ]
        == []
    )
    runners["audit"].catch_up()
    rows = db.execute("SELECT action, actor FROM audit_log ORDER BY position").fetchall()
    assert ("model.promoted", "ml-ops") in rows
    assert ("alert.acknowledged", "bob@example.org") in rows
    assert ("alert.resolved", "bob@example.org") in rows
    assert [a for a, _ in rows if a.startswith("model.")] == ["model.trained", "model.promoted"]


def test_alerts_rebuild_equals_incremental(client, desks, runners, db):
    alerts, registry = desks
    version_id = promoted_model(registry)
    for i, score in enumerate([0.9, 0.7, 0.65, 0.95, 0.1]):
        assess(alerts, version_id, score, session=f"s{i % 2}")
    first = assess(alerts, version_id, 0.9, session="s9").alert_id
    client.post(f"/v1/alerts/{first}/acknowledge")
    client.post(f"/v1/alerts/{first}/resolve")
    runners["policy"].catch_up()
    runners["alerts"].catch_up()
    tables = ("alerts", "model_versions")
    before = {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}
    assert len(before["alerts"]) == 5 and len(before["model_versions"]) == 1
    runners["alerts"].rebuild()
    assert {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables} == before


@pytest.fixture
def two_policy_runners(pg_url, schema, store):
    """Two leaders of the quarantine policy (a replica and a rebuild, say), a connection each."""
    env = eventsourcing_env(pg_url, schema, 2)
    pairs = []
    with (
        connect(pg_url, schema, autocommit=True) as a,
        connect(pg_url, schema, autocommit=True) as b,
    ):
        for conn in (a, b):
            reactions = QuarantineReactions(conn, AlertDesk(env), PolicyDesk(env))
            pairs.append((ProjectorRunner(POLICY, store, WhenAlertRaisedQuarantineSession(),
                                          reactions), reactions))  # fmt: skip
        yield pairs
        for _, reactions in pairs:
            reactions.close()


def logged(store: EventStoreApplication) -> list[tuple[int, object]]:
    head = int(store.recorder.max_notification_id() or 0)
    return [(n.id, store.mapper.to_domain_event(n))
            for n in store.recorder.select_notifications(0, head + 1)]  # fmt: skip


def effects(store: EventStoreApplication) -> list[str]:
    """Every quarantine and escalation in the log, in order."""
    return [type(e).__qualname__ for _, e in logged(store)
            if isinstance(e, (Intervention.Imposed, Alert.Escalated))]  # fmt: skip


def test_the_loser_of_a_policy_race_is_refused_re_reads_and_nothing_is_done_twice(
    desks, two_policy_runners, store, caplog
):
    """The policy once kept its own copy of the tracking code, whose stale-batch error no
    runner caught: the race below was a traceback and a reconnect."""
    (winner, _), (loser, loser_reactions) = two_policy_runners
    alerts, registry = desks
    version_id = promoted_model(registry)
    assess(alerts, version_id, 0.9, "s-race")
    raised = logged(store)
    assert winner.position == loser.position == 0  # both read the row before either applies
    assert winner.run_once() > 0
    assert effects(store) == ["Intervention.Imposed", "Alert.Escalated"]

    # The loser's batch starts where the row no longer stands: refused before any effect.
    batch = WhenAlertRaisedQuarantineSession().changes(raised)
    assert len(batch) == 1
    with pytest.raises(StalePositionError):
        loser_reactions.apply(batch, 0, raised[-1][0])
    assert len(effects(store)) == 2

    # Its runner takes that as the harmless race it is: logged at info, the position re-read.
    with caplog.at_level(logging.INFO, logger="workers.projector"):
        assert loser.run_once() == 0
    assert [r.levelno for r in caplog.records if r.name == "workers.projector"] == [logging.INFO]
    assert loser.position == winner.position
    loser.catch_up()  # past the winner's effects, acting on nothing again
    assert effects(store) == ["Intervention.Imposed", "Alert.Escalated"]

    # And it goes on from there: the next alert is acted on once, by whoever runs first.
    assess(alerts, version_id, 0.9, "s-next")
    assert loser.run_once() > 0
    assert winner.run_once() == 0
    assert sorted(effects(store)) == ["Alert.Escalated"] * 2 + ["Intervention.Imposed"] * 2
