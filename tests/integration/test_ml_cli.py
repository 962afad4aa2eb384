"""``observatory ml``: training stores three artifacts and registers three versions; list,
promote and retire work by label, record who acted and name the known labels on a typo."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import torch
from click.testing import CliRunner

from commands.ml.messages import RegisterTrainedModel
from commands.ml.service import ModelRegistry
from infra.database import connect, eventsourcing_env
from infra.migrate import migrate
from infra.model_store import ModelStore
from ml.models import ModelArtifact
from ml.training.train import SIZES
from tests.conftest import drop_schema
from workers.cli import main
from workers.cli.common import cli_actor
from workers.cli.ml_support import SIZE_NAMES

KINDS = ("anomaly", "burn_rate", "failure")


def env(pg_url: str, schema: str, **more: str | None) -> dict[str, str | None]:
    return {"OBSERVATORY_DATABASE_URL": pg_url, "OBSERVATORY_DATABASE_SCHEMA": schema,
            "OBSERVATORY_REDIS_URL": None, **more}  # fmt: skip


@pytest.fixture(scope="module")
def trained(pg_url: str) -> Iterator[tuple[str, str]]:
    """One small training, promoted, in a schema of its own (the module's only training)."""
    torch.set_num_threads(1)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    migrate(pg_url, schema)
    try:
        result = CliRunner().invoke(
            main, ["ml", "train", "--size", "small", "--promote", "--label", "first"],
            env=env(pg_url, schema),
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        yield schema, result.output
    finally:
        drop_schema(pg_url, schema)


@pytest.fixture
def registry(pg_url: str, schema: str) -> Iterator[ModelRegistry]:
    found = ModelRegistry(eventsourcing_env(pg_url, schema, 1))
    yield found
    found.close()


def register(registry: ModelRegistry, kind: str, label: str) -> None:
    registry.register_trained(RegisterTrainedModel(
        "default", kind, label, uuid.uuid4().hex * 2, "session-window-v1", "test",
        datetime(2025, 6, 1, tzinfo=UTC), {"thresholds": {"warning": 0.5}, "roc_auc": 0.9},
    ))  # fmt: skip


def test_training_stores_and_registers_three_promoted_versions_that_list_shows(pg_url, trained):
    schema, output = trained
    assert "training" in output or "registered" in output
    listed = CliRunner().invoke(main, ["ml", "list"], env=env(pg_url, schema))
    assert listed.exit_code == 0, listed.output
    lines = [line for line in listed.output.splitlines() if "first" in line]
    assert sorted(line.split("│")[1].strip() for line in lines) == list(KINDS)
    assert all("promoted" in line and "AUC" in line for line in lines if "burn_rate" not in line)
    registry = ModelRegistry(eventsourcing_env(pg_url, schema, 1))
    try:
        versions = {kind: registry.promoted("default", kind) for kind in KINDS}
    finally:
        registry.close()
    for kind, version in versions.items():
        assert version is not None and version.label == "first", kind
        assert version.trained_by == cli_actor()
        data = ModelStore(pg_url, schema).get(version.artifact_sha256)
        artifact = ModelArtifact.from_bytes(data, expected_sha256=version.artifact_sha256)
        assert version.metrics["thresholds"] == {
            k: v for k, v in artifact.thresholds.items() if v != float("inf")
        }
        assert version.artifact_sha256[:12] in next(x for x in lines if f" {kind} " in x)
    assert versions["anomaly"].metrics["test"]["roc_auc"] > 0.5
    assert versions["failure"].metrics["test"]["roc_auc"] > 0.5
    assert "coverage" in versions["burn_rate"].metrics["test"]


def test_promote_replaces_the_promoted_version_and_retire_records_the_reason(
    pg_url, schema, registry
):
    register(registry, "anomaly", "old")
    register(registry, "anomaly", "new")
    runner = CliRunner()
    assert (
        runner.invoke(main, ["ml", "promote", "anomaly", "old"], env=env(pg_url, schema)).exit_code
        == 0
    )
    promoted = runner.invoke(main, ["ml", "promote", "anomaly", "new"], env=env(pg_url, schema))
    assert promoted.exit_code == 0, promoted.output
    assert "Promoted anomaly 'new' (replaces 'old', now retired)." in promoted.output
    retired = runner.invoke(main, ["ml", "retire", "anomaly", "new", "--reason", "drift"],
                            env=env(pg_url, schema))  # fmt: skip
    assert retired.exit_code == 0, retired.output
    assert "no anomaly model is promoted now" in retired.output
    assert registry.promoted("default", "anomaly") is None
    listed = runner.invoke(main, ["ml", "list", "--kind", "anomaly"], env=env(pg_url, schema))
    assert [line.split("│")[3].strip() for line in listed.output.splitlines()
            if "│ anomaly" in line] == ["retired", "retired"]  # fmt: skip
    with connect(pg_url, schema, autocommit=True) as conn:
        row = conn.execute("SELECT retired_by, retired_reason FROM model_versions "
                           "WHERE label = 'new'").fetchone()  # fmt: skip
    assert row == (cli_actor(), "drift")
    again = runner.invoke(main, ["ml", "promote", "anomaly", "new"], env=env(pg_url, schema))
    assert again.exit_code != 0
    assert "cannot promote anomaly 'new'" in again.output and "retired" in again.output


def test_an_unknown_label_is_refused_with_the_known_ones(pg_url, schema, registry):
    register(registry, "failure", "gru-1")
    register(registry, "failure", "gru-2")
    result = CliRunner().invoke(main, ["ml", "promote", "failure", "gru-3"],
                                env=env(pg_url, schema))  # fmt: skip
    assert result.exit_code != 0
    assert "no failure model labelled 'gru-3' for tenant default; known: gru-2, gru-1" in (
        result.output
    )


def test_training_under_a_label_already_used_is_refused_before_it_starts(pg_url, schema, registry):
    register(registry, "burn_rate", "taken")
    result = CliRunner().invoke(main, ["ml", "train", "--size", "small", "--label", "taken"],
                                env=env(pg_url, schema))  # fmt: skip
    assert result.exit_code != 0
    assert "label 'taken' is already registered for burn_rate" in result.output


def test_jobs_and_queued_training_need_redis(pg_url, schema):
    runner = CliRunner()
    queued = runner.invoke(main, ["ml", "train", "--queue"], env=env(pg_url, schema))
    assert queued.exit_code != 0
    assert "OBSERVATORY_REDIS_URL" in queued.output
    jobs = runner.invoke(main, ["jobs"], env=env(pg_url, schema))
    assert jobs.exit_code != 0
    assert "OBSERVATORY_REDIS_URL" in jobs.output


def test_the_cli_offers_the_training_sizes_ml_defines():
    assert set(SIZE_NAMES) == set(SIZES)
