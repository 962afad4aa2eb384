"""Every projection the product runs, by name (``observatory projections …`` uses this)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from commands.store.application import EventStoreApplication
from infra.database import connect
from infra.settings import Settings
from projections.audit_log import projection as audit_log
from projections.audit_log.postgres import PostgresAuditLogView
from projections.audit_log.projection import AuditLogProjection
from projections.guardrails import projection as guardrails
from projections.guardrails.postgres import PostgresGuardrailsView
from projections.guardrails.projection import GuardrailsProjection
from projections.session_timeline import view as timeline
from projections.session_timeline.postgres import PostgresSessionTimelineView
from projections.session_timeline.projection import SessionTimelineProjection
from workers.projector import CanProject, CanStoreView, ProjectionWorker, ProjectorRunner


@dataclass(frozen=True)
class ProjectionSpec:
    name: str
    description: str
    projection: Callable[[], CanProject]
    view: Callable[[psycopg.Connection[Any]], CanStoreView]


PROJECTIONS: dict[str, ProjectionSpec] = {
    timeline.NAME: ProjectionSpec(
        timeline.NAME,
        "sessions, events, paired tool calls and subagents (PostgreSQL)",
        SessionTimelineProjection,
        PostgresSessionTimelineView,
    ),
    guardrails.NAME: ProjectionSpec(
        guardrails.NAME,
        "policies and their history, every guardrail decision, quarantines (PostgreSQL)",
        GuardrailsProjection,
        PostgresGuardrailsView,
    ),
    audit_log.NAME: ProjectionSpec(
        audit_log.NAME,
        "who did what, when: every command anyone issued (PostgreSQL)",
        AuditLogProjection,
        PostgresAuditLogView,
    ),
}


def worker(
    spec: ProjectionSpec, settings: Settings, url: str, store: EventStoreApplication
) -> ProjectionWorker:
    return ProjectionWorker(
        spec.name,
        store,
        spec.projection(),
        spec.view,
        url=url,
        schema=settings.database_schema,
        batch_size=settings.projector_batch,
        poll_seconds=settings.projector_poll_seconds,
    )


def runner(
    spec: ProjectionSpec, settings: Settings, url: str, store: EventStoreApplication
) -> tuple[ProjectorRunner, psycopg.Connection[Any]]:
    """A runner on its own connection (for rebuilds and status); the caller closes it."""
    conn = connect(url, settings.database_schema, autocommit=True)
    return (
        ProjectorRunner(
            spec.name, store, spec.projection(), spec.view(conn),
            batch_size=settings.projector_batch,
        ),
        conn,
    )  # fmt: skip
