"""Two runners racing one tracking row on a real database: the loser's batch is stale, it is
refused before any effect, the loser re-reads its position and goes on; nothing is acted on
twice. The quarantine policy is the reaction under test: it once kept its own copy of the
tracking code, whose stale-batch error no runner caught (a traceback and a reconnect)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from commands.alerts.messages import RecordAssessment
from commands.alerts.service import AlertDesk
from commands.guardrails.service import PolicyDesk
from commands.ml.messages import PromoteModel, RegisterTrainedModel
from commands.ml.service import ModelRegistry
from commands.policies.when_alert_raised_quarantine_session import (
    NAME,
    QuarantineReactions,
    WhenAlertRaisedQuarantineSession,
)
from commands.store.application import EventStoreApplication
from domain.alerts.alert import Alert
from domain.guardrails.interventions import Intervention
from infra.database import connect, eventsourcing_env
from infra.tracking import StalePositionError
from workers.projector import ProjectorRunner


@pytest.fixture
def desks(pg_url: str, schema: str) -> Iterator[tuple[AlertDesk, ModelRegistry]]:
    env = eventsourcing_env(pg_url, schema, 2)
    alerts, registry = AlertDesk(env), ModelRegistry(env)
    yield alerts, registry
    alerts.close()
    registry.close()


@pytest.fixture
def two_runners(
    pg_url: str, schema: str, store: EventStoreApplication
) -> Iterator[list[tuple[ProjectorRunner, QuarantineReactions]]]:
    """Two leaders of the same policy (a replica and a rebuild, say), each on its connection."""
    env = eventsourcing_env(pg_url, schema, 2)
    pairs = []
    with (
        connect(pg_url, schema, autocommit=True) as a,
        connect(pg_url, schema, autocommit=True) as b,
    ):
        for conn in (a, b):
            reactions = QuarantineReactions(conn, AlertDesk(env), PolicyDesk(env))
            runner = ProjectorRunner(NAME, store, WhenAlertRaisedQuarantineSession(), reactions)
            pairs.append((runner, reactions))
        yield pairs
        for _, reactions in pairs:
            reactions.close()


def promoted_model(registry: ModelRegistry) -> Any:
    version_id = registry.register_trained(RegisterTrainedModel(
        "default", "failure", "lstm-1", "c" * 64, "3", "trainer", datetime(2025, 5, 1, tzinfo=UTC),
        {"roc_auc": 0.93, "thresholds": {"warning": 0.6, "critical": 0.85}},
    )).version_id  # fmt: skip
    registry.promote(PromoteModel("default", version_id, "ml-ops"))
    return version_id


def critical_alert(alerts: AlertDesk, version_id: Any, session: str) -> None:
    alerts.record_assessment(RecordAssessment(
        "default", session, version_id, 0.9, 10,
        [{"name": "tool_failure_rate", "value": 0.8, "contribution": 0.5}], agent="main",
    ))  # fmt: skip


def log(store: EventStoreApplication) -> list[tuple[int, object]]:
    head = int(store.recorder.max_notification_id() or 0)
    notifications = store.recorder.select_notifications(0, head + 1)
    return [(n.id, store.mapper.to_domain_event(n)) for n in notifications]


def effects(store: EventStoreApplication) -> list[str]:
    """Every escalation and quarantine in the log, by class name."""
    return [
        type(event).__qualname__
        for _, event in log(store)
        if isinstance(event, (Alert.Escalated, Intervention.Imposed))
    ]


def test_the_loser_of_a_race_is_refused_re_reads_and_nothing_is_acted_on_twice(
    desks: tuple[AlertDesk, ModelRegistry],
    two_runners: list[tuple[ProjectorRunner, QuarantineReactions]],
    store: EventStoreApplication,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (winner, _), (loser, loser_reactions) = two_runners
    alerts, registry = desks
    version_id = promoted_model(registry)
    critical_alert(alerts, version_id, "s-race")
    raised = log(store)
    assert winner.position == loser.position == 0  # both read the row before either applies
    assert winner.run_once() > 0
    assert effects(store) == ["Intervention.Imposed", "Alert.Escalated"]

    # The loser's batch starts where the row no longer stands: refused before any effect.
    batch = WhenAlertRaisedQuarantineSession().changes(raised)
    assert len(batch) == 1
    with pytest.raises(StalePositionError):
        loser_reactions.apply(batch, 0, raised[-1][0])
    assert len(effects(store)) == 2

    # Its runner takes that as the harmless race it is: no error, the position re-read.
    with caplog.at_level(logging.INFO, logger="workers.projector"):
        assert loser.run_once() == 0
    assert [r.levelno for r in caplog.records if r.name == "workers.projector"] == [logging.INFO]
    assert loser.position == winner.position
    loser.catch_up()  # past the winner's effects, acting on nothing again
    assert effects(store) == ["Intervention.Imposed", "Alert.Escalated"]

    # And it goes on from there: the next alert is acted on once, by whoever runs first.
    critical_alert(alerts, version_id, "s-next")
    assert loser.run_once() > 0
    assert winner.run_once() == 0
    assert sorted(effects(store)) == ["Alert.Escalated"] * 2 + ["Intervention.Imposed"] * 2
