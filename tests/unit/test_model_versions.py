"""The model registry: versions trained, promoted (one per tenant and kind), retired."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from commands.ml.messages import PromoteModel, RegisterTrainedModel, RetireModel
from commands.ml.service import ModelRegistry
from domain.ml.errors import (
    ModelVersionAlreadyPromotedError,
    ModelVersionExistsError,
    ModelVersionInvalidError,
    ModelVersionNotFoundError,
    ModelVersionRetiredError,
)
from domain.ml.model_version import ModelVersion

AT = datetime(2025, 6, 1, tzinfo=UTC)
SHA = "a" * 64


def trained(label: str, kind: str = "anomaly", tenant: str = "t1") -> RegisterTrainedModel:
    return RegisterTrainedModel(tenant, kind, label, SHA, "v1", "trainer", AT,
                                {"auc": 0.91, "thresholds": {"critical": 0.9}})  # fmt: skip


@pytest.fixture
def registry():
    app = ModelRegistry()
    yield app
    app.close()


def test_a_trained_version_keeps_its_metrics_digest_and_schema(registry):
    version_id = registry.register_trained(trained("v1")).version_id
    version = registry.version("t1", version_id)
    assert (version.kind, version.label, version.status) == ("anomaly", "v1", "trained")
    assert version.metrics["auc"] == 0.91 and version.artifact_sha256 == SHA
    assert registry.promoted("t1", "anomaly") is None


def test_the_same_label_cannot_be_registered_twice(registry):
    registry.register_trained(trained("v1"))
    with pytest.raises(ModelVersionExistsError):
        registry.register_trained(trained("v1"))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"kind": "crystal_ball"}, "kind"),
        ({"artifact_sha256": "xyz"}, "artifact_sha256"),
        ({"trained_at": datetime(2025, 6, 1)}, "trained_at"),
        ({"metrics": {"auc": float("nan")}}, "metrics"),
        ({"label": " "}, "label"),
    ],
)
def test_a_version_with_bad_data_is_refused_saying_why(change, problem):
    values = {"tenant_id": "t", "kind": "anomaly", "label": "v", "metrics": {},
              "artifact_sha256": SHA, "feature_schema_version": "1", "trained_by": "x",
              "trained_at": AT, **change}  # fmt: skip
    with pytest.raises(ModelVersionInvalidError) as raised:
        ModelVersion.train(**values)
    assert any(p.startswith(problem) for p in raised.value.problems)


def test_promoting_a_version_retires_the_one_it_replaces(registry):
    first = registry.register_trained(trained("v1")).version_id
    second = registry.register_trained(trained("v2")).version_id
    other_kind = registry.register_trained(trained("f1", kind="failure")).version_id
    registry.promote(PromoteModel("t1", first, "ops"))
    registry.promote(PromoteModel("t1", other_kind, "ops"))
    registry.promote(PromoteModel("t1", second, "ops"))
    assert registry.promoted("t1", "anomaly").id == second
    assert registry.promoted("t1", "failure").id == other_kind
    assert registry.version("t1", first).retired
    assert registry.version("t1", first).status == "retired"


def test_a_retired_version_cannot_be_promoted_or_retired_again(registry):
    version_id = registry.register_trained(trained("v1")).version_id
    registry.retire(RetireModel("t1", version_id, "ops", "worse than the baseline"))
    with pytest.raises(ModelVersionRetiredError):
        registry.promote(PromoteModel("t1", version_id, "ops"))
    with pytest.raises(ModelVersionRetiredError):
        registry.retire(RetireModel("t1", version_id, "ops"))


def test_promoting_the_promoted_version_again_is_refused(registry):
    version_id = registry.register_trained(trained("v1")).version_id
    registry.promote(PromoteModel("t1", version_id, "ops"))
    with pytest.raises(ModelVersionAlreadyPromotedError):
        registry.promote(PromoteModel("t1", version_id, "ops"))


def test_retiring_the_promoted_version_leaves_its_kind_without_one(registry):
    version_id = registry.register_trained(trained("v1")).version_id
    registry.promote(PromoteModel("t1", version_id, "ops"))
    registry.retire(RetireModel("t1", version_id, "ops", "drift"))
    assert registry.promoted("t1", "anomaly") is None


def test_another_tenants_version_is_not_found(registry):
    version_id = registry.register_trained(trained("v1")).version_id
    with pytest.raises(ModelVersionNotFoundError):
        registry.promote(PromoteModel("t2", version_id, "ops"))
