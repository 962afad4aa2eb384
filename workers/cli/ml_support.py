"""Helpers of ``observatory ml``: the progress bar, the version table, reading the registry.

Light at import (the CLI's start-up): rich, torch and the database are imported when used.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from domain.ml.values import MODEL_KINDS

if TYPE_CHECKING:
    from commands.ml.service import ModelRegistry
    from infra.settings import Settings

KIND_NAMES = MODEL_KINDS
SIZE_NAMES = ("default", "small")
"""The keys of ``ml.training.train.SIZES`` (not imported here: it loads torch)."""
CATCH_UP_WAIT_SECONDS = 10.0


@contextlib.contextmanager
def progress_bar(title: str) -> Iterator[Callable[[str, float], None]]:
    """A rich bar on stderr fed by ``ml.training``'s progress callback (stage, fraction)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (TextColumn("{task.description:<44}"), BarColumn(), TaskProgressColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task(title, total=1.0)
        yield lambda stage, done: bar.update(task, description=stage, completed=done)


def registry_for(settings: Settings, url: str) -> ModelRegistry:
    from commands.ml.service import ModelRegistry
    from infra.database import eventsourcing_env

    return ModelRegistry(eventsourcing_env(url, settings.database_schema, 1))


def catch_up_versions(settings: Settings, url: str) -> str | None:
    """Brings the ``alerts`` read model (which holds ``model_versions``) to the log head:
    itself when no projector leads it, else by waiting a little for the one that does.
    Returns a note when it is still behind."""
    from infra.leadership import Leadership
    from projections.alerts.projection import NAME
    from workers.bootstrap.projections import PROJECTIONS
    from workers.bootstrap.projectors import runner
    from workers.bootstrap.stores import event_store

    store = event_store(settings, url, pool_size=1)
    try:
        projector, conn = runner(PROJECTIONS[NAME], settings, url, store)
        with conn:
            key = f"observatory:projection:{settings.database_schema}:{NAME}"
            head = projector.head()
            if Leadership(conn, key).try_acquire():
                projector.catch_up(target=head)
                return None
            deadline = time.monotonic() + CATCH_UP_WAIT_SECONDS
            while projector.stored_position() < head and time.monotonic() < deadline:
                time.sleep(0.2)  # a running projector moves it; nothing to wait on here
            behind = head - projector.stored_position()
    finally:
        store.close()
    if behind <= 0:
        return None
    return (f"Note: the {NAME} read model is {behind} events behind the log; the newest "
            "changes may be missing (see `observatory projections status`).")  # fmt: skip


def read_versions(settings: Settings, url: str, tenant: str,
                  kind: str | None = None) -> tuple[list[dict[str, Any]], str | None]:  # fmt: skip
    """The tenant's versions, by kind and newest first, and a note if the view lags."""
    from infra.database import connect

    note = catch_up_versions(settings, url)
    query = ("SELECT kind, label, status, trained_at, trained_by, metrics, artifact_sha256"
             " FROM model_versions WHERE tenant_id = %s AND (%s::text IS NULL OR kind = %s)"
             " ORDER BY kind, position DESC")  # fmt: skip
    with connect(url, settings.database_schema, autocommit=True) as conn:
        found = conn.execute(query, (tenant, kind, kind)).fetchall()
    names = ("kind", "label", "status", "trained_at", "trained_by", "metrics", "sha256")
    return [dict(zip(names, row, strict=True)) for row in found], note


def known_labels(settings: Settings, url: str, tenant: str, kind: str) -> list[str]:
    return [str(v["label"]) for v in read_versions(settings, url, tenant, kind)[0]]


def _number(value: Any) -> str | None:
    return f"{value:.3f}" if isinstance(value, int | float) else None


def key_metrics(kind: str, metrics: Mapping[str, Any]) -> str:
    """A few numbers an operator compares versions by: test ROC AUC and the warning
    threshold; for the burn-rate forecaster its error and interval coverage."""
    found = metrics.get("test")
    tested: Mapping[str, Any] = found if isinstance(found, Mapping) else metrics
    parts = []
    names = ({"model_median_error": "error", "coverage": "coverage"} if kind == "burn_rate"
             else {"roc_auc": "AUC", "recall_at_rule_precision": "recall@rule-P"})  # fmt: skip
    for key, name in names.items():
        shown = _number(tested.get(key))
        if shown:
            parts.append(f"{name} {shown}")
    thresholds = metrics.get("thresholds")
    if isinstance(thresholds, Mapping) and _number(thresholds.get("warning")):
        parts.append(f"warning ≥ {_number(thresholds['warning'])}")
    return ", ".join(parts) or "-"


def version_table(rows: list[dict[str, Any]], title: str) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for heading in ("kind", "label", "status", "trained at", "by", "key metrics", "sha256"):
        table.add_column(heading, overflow="fold")
    styles = {"promoted": "bold green", "retired": "dim"}
    for row in rows:
        status = str(row["status"])
        table.add_row(
            row["kind"], row["label"], f"[{styles.get(status, '')}]{status}[/]"
            if status in styles else status,
            f"{row['trained_at']:%Y-%m-%d %H:%M}", row["trained_by"],
            key_metrics(row["kind"], row["metrics"]), str(row["sha256"])[:12],
        )  # fmt: skip
    return table
