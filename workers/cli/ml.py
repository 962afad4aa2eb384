"""``observatory ml train|evaluate|promote|retire|list``: operating the models.

They talk to the database directly (the model registry and the artifact store), like the
audit tools, and record who acted as ``cli:user@host``. ``list`` and the "known labels" of an
error read the ``alerts`` read model; when no projector is running it, they bring it up to
date themselves (as ``projections rebuild`` does), so they never show a stale registry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from workers.cli.common import cli_actor, load_settings, parse_duration, resolve_database
from workers.cli.ml_support import (
    KIND_NAMES,
    SIZE_NAMES,
    known_labels,
    progress_bar,
    read_versions,
    registry_for,
    version_table,
)

if TYPE_CHECKING:
    from commands.ml.service import ModelRegistry
    from domain.ml.model_version import ModelVersion
    from infra.settings import Settings


def size_option(func: Any) -> Any:
    return click.option("--size", type=click.Choice(SIZE_NAMES), default="default",
                        show_default=True,
                        help="Generated sessions: default (1000 train) or small (150, ~10 s).",
                        )(func)  # fmt: skip


def seed_option(func: Any) -> Any:
    return click.option("--seed", type=int, default=None,
                        help="Training seed (validation seed+1, test seed+2) [default: 7].",
                        )(func)  # fmt: skip


def tenant_option(func: Any) -> Any:
    return click.option("--tenant", default=None,
                        help="Tenant whose models these are [default: OBSERVATORY_TENANT].",
                        )(func)  # fmt: skip


@click.group()
def ml() -> None:
    """Train, evaluate, promote, retire and list the anomaly, failure and burn-rate models."""


@ml.command()
@size_option
@seed_option
@tenant_option
@click.option("--label", default=None,
              help="Name of the new versions (one per kind) [default: time, size and seed, "
              "e.g. 20250601-120000-default-s7]. With --every, a prefix.")  # fmt: skip
@click.option("--promote", is_flag=True, help="Promote the new versions (scorers switch to them).")
@click.option("--queue", is_flag=True,
              help="Enqueue a training job instead (run by `observatory jobs`; needs "
              "OBSERVATORY_REDIS_URL).")  # fmt: skip
@click.option("--every", default=None, metavar="DURATION",
              help="Keep running: train (or enqueue, with --queue) now and then every "
              "DURATION (e.g. 24h, 7d) until Ctrl-C.")  # fmt: skip
def train(size: str, seed: int | None, tenant: str | None, label: str | None, promote: bool,
          queue: bool, every: str | None) -> None:  # fmt: skip
    """Train all three models, store their artifacts and register them as versions.

    Each model is evaluated on held-out sessions; its version records the alert thresholds
    (chosen on validation), the validation and test metrics and the artifact's SHA-256.
    """
    settings = load_settings()
    url = resolve_database(settings)
    owner = tenant or settings.tenant
    interval = parse_duration(every) if every else None
    run = _enqueuer(settings, url) if queue else _trainer(settings.database_schema, url)

    def once() -> None:
        now = datetime.now(UTC)
        from workers.training import TrainingRequest, default_label

        name = default_label(size, seed, now)
        if label:
            name = f"{label}-{name}" if interval else label
        taken = _taken(settings, url, owner, name)
        if taken:
            raise click.ClickException(
                f"label {name!r} is already registered for {', '.join(taken)} (tenant {owner}); "
                "labels are unique per kind: choose another, or omit --label"
            )
        run(TrainingRequest(owner, name, cli_actor(), size, seed, promote))

    if interval is None:
        once()
        return
    _every(interval.total_seconds(), once)


def _every(seconds: float, once: Callable[[], None]) -> None:
    import threading
    from datetime import timedelta

    stop = threading.Event()
    try:
        while True:
            try:
                once()
            except click.ClickException as error:  # the next run may do better (e.g. DB back)
                click.echo(f"Error: {error.format_message()}", err=True)
            upcoming = datetime.now(UTC) + timedelta(seconds=seconds)
            click.echo(f"Next run at {upcoming:%Y-%m-%d %H:%M:%S} UTC (Ctrl-C stops).")
            stop.wait(seconds)
    except KeyboardInterrupt:
        click.echo("Stopped.")


def _taken(settings: Settings, url: str, tenant: str, label: str) -> list[str]:
    from domain.ml.errors import ModelVersionNotFoundError

    registry = registry_for(settings, url)
    found = []
    try:
        for kind in KIND_NAMES:
            try:
                registry.by_label(tenant, kind, label)
            except ModelVersionNotFoundError:
                continue
            found.append(kind)
    finally:
        registry.close()
    return found


def _trainer(schema: str, url: str) -> Callable[[Any], None]:
    def train_now(request: Any) -> None:
        from rich.console import Console

        from workers.training import LabelTakenError, run_training

        with progress_bar(f"training ({request.size})") as progress:
            try:
                versions = run_training(request, url, schema, progress)
            except LabelTakenError as error:
                raise click.ClickException(str(error)) from None
        rows = [{"kind": v.kind, "label": v.label, "status": "promoted" if v.promoted else
                 "trained", "trained_at": v.trained_at, "trained_by": v.trained_by,
                 "metrics": v.metrics, "sha256": v.sha256} for v in versions]  # fmt: skip
        Console(width=160).print(version_table(rows, f"Trained for {request.tenant}"))

    return train_now


def _enqueuer(settings: Settings, url: str) -> Callable[[Any], None]:
    from infra.jobs import job_broker
    from infra.redis_connections import RedisNotConfiguredError
    from workers.actors.train_models import enqueue_training, train_models_actor

    try:
        broker = job_broker(settings)
    except RedisNotConfiguredError as error:
        raise click.ClickException(f"--queue: {error}") from None
    click.get_current_context().call_on_close(broker.close)
    actor = train_models_actor(broker, url, settings.database_schema)

    def enqueue(request: Any) -> None:
        message_id = enqueue_training(actor, request)
        click.echo(f"Enqueued training {request.label!r} (job {message_id}) on queue "
                   f"{actor.queue_name}. Run it with `observatory jobs` (its log shows each "
                   "stage); `observatory ml list` shows the versions once registered.")  # fmt: skip

    return enqueue


@ml.command()
@size_option
@seed_option
def evaluate(size: str, seed: int | None) -> None:
    """Train on generated sessions and print held-out evaluation (markdown, as in docs/ml.md).

    Registers nothing: it shows how well a configuration does against the rule baseline.
    """
    from dataclasses import replace

    from ml.training.evaluate import evaluate as run_evaluation
    from ml.training.train import SIZES

    config = SIZES[size] if seed is None else replace(SIZES[size], seed=seed)
    with progress_bar(f"evaluating ({size})") as progress:
        report = run_evaluation(config, progress)
    click.echo(report.markdown())
    click.echo(f"\nThresholds chosen on validation: {report.thresholds}")
    click.echo(f"Took {report.seconds:.1f}s (seed {config.seed}).")


def _version(settings: Settings, url: str, registry: ModelRegistry, tenant: str, kind: str,
             label: str) -> ModelVersion:  # fmt: skip
    from domain.ml.errors import ModelVersionNotFoundError

    try:
        return registry.by_label(tenant, kind, label)
    except ModelVersionNotFoundError:
        known = known_labels(settings, url, tenant, kind)
        raise click.ClickException(
            f"no {kind} model labelled {label!r} for tenant {tenant}; known: "
            + (", ".join(known) if known else "none (train one: observatory ml train)")
        ) from None


@ml.command()
@click.argument("kind", type=click.Choice(KIND_NAMES))
@click.argument("label")
@tenant_option
def promote(kind: str, label: str, tenant: str | None) -> None:
    """Make a version the one scorers use for its kind (the version it replaces is retired)."""
    from commands.ml.messages import PromoteModel
    from domain.ml.errors import ModelError

    settings = load_settings()
    url = resolve_database(settings)
    owner = tenant or settings.tenant
    registry = registry_for(settings, url)
    try:
        version = _version(settings, url, registry, owner, kind, label)
        previous = registry.promoted(owner, kind)
        registry.promote(PromoteModel(owner, version.id, cli_actor()))
    except ModelError as error:
        raise click.ClickException(f"cannot promote {kind} {label!r}: {error}") from None
    finally:
        registry.close()
    replaced = f" (replaces {previous.label!r}, now retired)" if previous else ""
    click.echo(f"Promoted {kind} {label!r}{replaced}.")


@ml.command()
@click.argument("kind", type=click.Choice(KIND_NAMES))
@click.argument("label")
@click.option("--reason", required=True, help="Why (recorded with the retirement).")
@tenant_option
def retire(kind: str, label: str, reason: str, tenant: str | None) -> None:
    """Retire a version for good; if it was promoted, its kind has none until you promote one."""
    from commands.ml.messages import RetireModel
    from domain.ml.errors import ModelError

    settings = load_settings()
    url = resolve_database(settings)
    owner = tenant or settings.tenant
    registry = registry_for(settings, url)
    try:
        version = _version(settings, url, registry, owner, kind, label)
        was_promoted = version.promoted
        registry.retire(RetireModel(owner, version.id, cli_actor(), reason))
    except ModelError as error:
        raise click.ClickException(f"cannot retire {kind} {label!r}: {error}") from None
    finally:
        registry.close()
    warning = f"; no {kind} model is promoted now" if was_promoted else ""
    click.echo(f"Retired {kind} {label!r}{warning}.")


@ml.command("list")
@tenant_option
@click.option("--kind", type=click.Choice(KIND_NAMES), default=None, help="Only this kind.")
def list_versions(tenant: str | None, kind: str | None) -> None:
    """Show every model version: status, when trained, key metrics, artifact digest."""
    from rich.console import Console

    settings = load_settings()
    url = resolve_database(settings)
    owner = tenant or settings.tenant
    rows, note = read_versions(settings, url, owner, kind)
    if not rows:
        click.echo(f"No model versions for tenant {owner}; train some: observatory ml train")
    else:
        Console(width=160).print(version_table(rows, f"Models of {owner}"))
    if note:
        click.echo(note, err=True)
