"""Models: artifacts round-trip with their SHA-256, training is deterministic, models learn."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from ml.features import FEATURE_INDEX
from ml.models import (
    AnomalyModel,
    ArtifactDigestError,
    BurnRateForecaster,
    FailureModel,
    ModelArtifact,
    burn_from_artifact,
    choose_thresholds,
    precision_recall_at,
)
from ml.training.dataset import make_split
from ml.training.train import SIZES, TrainedModels, session_scores, train_models

# smaller than SIZES["small"] so the whole file stays well under the unit-test budget
SMALL = replace(SIZES["small"], train_sessions=100, validation_sessions=40, epochs=3)


@pytest.fixture(scope="module")
def trained() -> TrainedModels:
    return train_models(SMALL)


def test_artifacts_round_trip_through_bytes_and_check_their_digest(trained):
    for artifact in trained.artifacts().values():
        data = artifact.to_bytes()
        loaded = ModelArtifact.from_bytes(data, expected_sha256=artifact.sha256)
        assert loaded == artifact
        assert loaded.sha256 == artifact.sha256
        with pytest.raises(ArtifactDigestError):
            ModelArtifact.from_bytes(data + b"x", expected_sha256=artifact.sha256)


def test_loaded_models_score_exactly_like_the_trained_ones(trained):
    x = make_split(5, seed=99).features[0]
    artifacts = trained.artifacts()
    anomaly = AnomalyModel.from_artifact(artifacts["anomaly-isolation-forest"])
    np.testing.assert_array_equal(anomaly.score(x, "acme"), trained.anomaly.score(x, "acme"))
    failure = FailureModel.from_artifact(artifacts["failure-gru"])
    np.testing.assert_array_equal(failure.predict_sequence(x), trained.failure.predict_sequence(x))
    assert burn_from_artifact(artifacts["burn-rate-ewma"]) == trained.burn
    assert anomaly.thresholds == trained.anomaly.thresholds


def test_streaming_steps_give_the_same_probabilities_as_the_whole_sequence(trained):
    x = make_split(3, seed=98).features[0]
    hidden, streamed = None, []
    for row in x:
        p, hidden = trained.failure.step(row[None, :], hidden)
        streamed.append(float(p[0]))
    np.testing.assert_allclose(streamed, trained.failure.predict_sequence(x), atol=1e-5)


def test_the_same_seed_trains_byte_identical_artifacts(trained):
    again = train_models(SMALL)
    for kind, artifact in trained.artifacts().items():
        assert again.artifacts()[kind].sha256 == artifact.sha256, kind


def test_the_anomaly_model_separates_loops_from_normal_sessions(trained):
    test = make_split(150, seed=SMALL.seed + 2)
    maxima = [s.max() for s in session_scores(trained.anomaly, test)]
    keep = [i for i, s in enumerate(test.sessions) if s.mode in ("normal", "loop")]
    labels = [test.sessions[i].mode == "loop" for i in keep]
    assert roc_auc_score(labels, [maxima[i] for i in keep]) > 0.8


def test_the_failure_model_ranks_events_heading_for_failure_higher(trained):
    test = make_split(80, seed=SMALL.seed + 2)
    probs = np.concatenate([trained.failure.predict_sequence(x) for x in test.features])
    assert roc_auc_score(np.concatenate(test.labels), probs) > 0.75


def test_explanations_name_the_feature_that_is_out_of_line(trained):
    x = make_split(1, seed=5).features[0][-1].copy()
    x[FEATURE_INDEX["consecutive_failures"]] = 15
    top = trained.anomaly.explain(x, "acme", top=3)
    assert top[0].feature == "consecutive_failures"
    assert top[0].z > 5


def test_thresholds_rise_with_severity_and_reach_their_precision():
    scores = np.linspace(0, 1, 101)
    labels = scores > 0.7
    chosen = choose_thresholds(scores, labels)
    assert chosen["info"] <= chosen["warning"] <= chosen["critical"]
    for severity, target in (("info", 0.5), ("warning", 0.8), ("critical", 0.95)):
        precision, _ = precision_recall_at(scores, labels, chosen[severity])
        assert precision >= target
    assert choose_thresholds(scores, np.zeros(101, bool))["info"] == float("inf")


def test_the_burn_forecast_finds_when_a_steady_spend_hits_the_budget():
    state = BurnRateForecaster(halflife_events=8, interval_scale=1.0).new_state()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(1, 31):
        state.update(start + timedelta(seconds=10 * i), 0.5)  # 5 cents a second
    forecast = state.forecast(budget=20.0)
    assert forecast.spent == pytest.approx(15.0)
    assert forecast.seconds_left == pytest.approx(100.0, rel=0.05)
    assert forecast.seconds_left_low <= forecast.seconds_left <= forecast.seconds_left_high
