"""Assessments, thresholds and alerts: when a score raises an alert, and what operators can do."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from commands.alerts.messages import AcknowledgeAlert, RecordAssessment, ResolveAlert
from commands.alerts.service import AlertDesk
from domain.alerts.errors import (
    AlertAcknowledgedError,
    AlertNotFoundError,
    AlertResolvedError,
    AssessmentInvalidError,
    ThresholdsInvalidError,
)
from domain.alerts.thresholds import DEFAULT_THRESHOLDS, Thresholds
from domain.alerts.values import Severity
from domain.ml.model_version import ModelVersion

FEATURES = [{"name": "repeated_commands", "value": 14, "contribution": 0.6}]


def test_the_highest_severity_reached_wins():
    thresholds = Thresholds.of({"info": 0.5, "warning": 0.7, "critical": 0.9})
    assert thresholds.severity_of(0.2) is None
    assert thresholds.severity_of(0.5) is Severity.INFO
    assert thresholds.severity_of(0.89) is Severity.WARNING
    assert thresholds.severity_of(0.99) is Severity.CRITICAL
    assert thresholds.severity_of(float("nan")) is None


def test_a_severity_left_out_is_never_raised():
    assert Thresholds.of({"critical": 0.9}).severity_of(0.8) is None


def test_thresholds_come_from_the_model_metadata_or_the_defaults():
    assert (
        Thresholds.from_metadata({"thresholds": {"warning": 3.0}}).severity_of(3)
        is Severity.WARNING
    )
    assert Thresholds.from_metadata({}) == Thresholds.of(DEFAULT_THRESHOLDS)


@pytest.mark.parametrize(
    "bad", [{"critical": 0.5, "warning": 0.9}, {"panic": 1.0}, {"info": "high"},
            {"info": float("inf")}],
)  # fmt: skip
def test_thresholds_that_make_no_sense_are_refused(bad):
    with pytest.raises(ThresholdsInvalidError):
        Thresholds.of(bad)


@pytest.fixture
def desk():
    app = AlertDesk()
    yield app
    app.close()


def model(desk, tenant="t1", promoted=True, kind="anomaly"):
    version = ModelVersion.train(tenant, kind, f"m-{uuid4().hex[:6]}",
                                 {"thresholds": {"warning": 0.7, "critical": 0.9}}, "b" * 64,
                                 "1", "trainer", datetime(2025, 1, 1, tzinfo=UTC))  # fmt: skip
    if promoted:
        version.promote("ops", None)
    desk.save(version)
    return version.id


def assess(desk, version_id, score, session="s1", tenant="t1"):
    return desk.record_assessment(
        RecordAssessment(tenant, session, version_id, score, 42, FEATURES, agent="main")
    )


def test_a_score_over_a_threshold_raises_an_alert_with_its_reason(desk):
    version_id = model(desk)
    assessed = assess(desk, version_id, 0.95)
    assert assessed.severity is Severity.CRITICAL
    alert = desk.alert("t1", assessed.alert_id)
    assert (alert.severity, alert.session_id, alert.open) == ("critical", "s1", True)
    assert "anomalous" in alert.reason and "repeated_commands=14" in alert.reason
    assert alert.model_version_id == str(version_id)


def test_a_score_below_every_threshold_is_recorded_and_raises_nothing(desk):
    assessed = assess(desk, model(desk), 0.1)
    assert (assessed.severity, assessed.alert_id) == (None, None)
    assert assessed.position > 0


def test_the_same_trouble_raises_one_alert_while_it_is_open(desk):
    version_id = model(desk)
    first = assess(desk, version_id, 0.95)
    again = assess(desk, version_id, 0.97)
    assert again.alert_id is None and again.severity is Severity.CRITICAL
    warning = assess(desk, version_id, 0.75)
    assert warning.alert_id not in (None, first.alert_id)
    other_session = assess(desk, version_id, 0.95, session="s2")
    assert other_session.alert_id not in (None, first.alert_id)
    desk.resolve_alert(ResolveAlert("t1", first.alert_id, "ops"))
    after = assess(desk, version_id, 0.95)
    assert after.alert_id not in (None, first.alert_id)


def test_a_version_not_promoted_scores_in_the_shadows(desk):
    assessed = assess(desk, model(desk, promoted=False), 0.99)
    assert (assessed.severity, assessed.alert_id) == (None, None)


def test_bad_scores_and_features_are_refused(desk):
    version_id = model(desk)
    with pytest.raises(AssessmentInvalidError):
        assess(desk, version_id, float("nan"))
    with pytest.raises(AssessmentInvalidError):
        desk.record_assessment(RecordAssessment("t1", "s1", version_id, 0.5, 1,
                                                [{"name": "x", "value": "y", "contribution": 1}]))  # fmt: skip


def test_an_acknowledged_alert_can_be_resolved_and_resolution_is_final(desk):
    alert_id = assess(desk, model(desk), 0.95).alert_id
    desk.acknowledge_alert(AcknowledgeAlert("t1", alert_id, "ops", "looking"))
    with pytest.raises(AlertAcknowledgedError):
        desk.acknowledge_alert(AcknowledgeAlert("t1", alert_id, "ops"))
    desk.resolve_alert(ResolveAlert("t1", alert_id, "ops", "false positive"))
    assert desk.alert("t1", alert_id).status == "resolved"
    with pytest.raises(AlertResolvedError):
        desk.acknowledge_alert(AcknowledgeAlert("t1", alert_id, "ops"))
    with pytest.raises(AlertResolvedError):
        desk.resolve_alert(ResolveAlert("t1", alert_id, "ops"))


def test_another_tenants_alert_and_model_are_not_found(desk):
    alert_id = assess(desk, model(desk), 0.95).alert_id
    with pytest.raises(AlertNotFoundError):
        desk.acknowledge_alert(AcknowledgeAlert("t2", alert_id, "ops"))
    with pytest.raises(LookupError):
        assess(desk, model(desk), 0.5, tenant="t2")


def test_an_escalation_is_recorded_once(desk):
    alert = desk.alert("t1", assess(desk, model(desk), 0.95).alert_id)
    alert.escalate("quarantine", "done", "policy")
    alert.escalate("quarantine", "again", "policy")
    assert len(alert.collect_events()) == 1
