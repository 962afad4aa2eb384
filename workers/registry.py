"""Every projection the product runs, by name (``observatory projections …`` uses this)."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from commands.alerts.messages import ReportParkedEvent
from commands.alerts.service import AlertDesk
from commands.guardrails.service import PolicyDesk
from commands.policies import when_alert_raised_quarantine_session as quarantine_policy
from commands.store.application import EventStoreApplication
from commands.store.log_reader import LogReader
from infra.database import connect, eventsourcing_env
from infra.redis_connections import redis_client
from infra.settings import Settings
from projections.agent_metrics import projection as agent_metrics
from projections.agent_metrics.postgres import PostgresAgentMetricsView
from projections.agent_metrics.projection import AgentMetricsProjection
from projections.alerts import projection as alerts
from projections.alerts.postgres import PostgresAlertsView
from projections.alerts.projection import AlertsProjection
from projections.audit_log import projection as audit_log
from projections.audit_log.postgres import PostgresAuditLogView
from projections.audit_log.projection import AuditLogProjection
from projections.event_analytics import projection as event_analytics
from projections.event_analytics.clickhouse import event_analytics_view
from projections.event_analytics.projection import EventAnalyticsProjection
from projections.guardrails import projection as guardrails
from projections.guardrails.postgres import PostgresGuardrailsView
from projections.guardrails.projection import GuardrailsProjection
from projections.live_state import projection as live_state
from projections.live_state.keys import LiveKeys
from projections.live_state.projection import LiveStateProjection
from projections.live_state.redis import RedisLiveStateView
from projections.session_timeline import view as timeline
from projections.session_timeline.postgres import PostgresSessionTimelineView
from projections.session_timeline.projection import SessionTimelineProjection
from workers import notify_dispatch
from workers.parking import ParkedEvent, Parking
from workers.projector import (
    CanProject,
    CanStoreView,
    ProjectionWorker,
    ProjectorRunner,
)

ViewFactory = Callable[[psycopg.Connection[Any], Settings, str], CanStoreView]
"""(the runner's PostgreSQL connection, settings, database URL) -> the view; views in other
stores open their own client from the settings."""


def _postgres(view: Callable[[psycopg.Connection[Any]], CanStoreView]) -> ViewFactory:
    return lambda conn, _settings, _url: view(conn)


def _always(_settings: Settings) -> bool:
    return True


def _metrics_view(conn: psycopg.Connection[Any], settings: Settings, _url: str) -> CanStoreView:
    return PostgresAgentMetricsView(conn, settings.metrics_retention_days)


def _live_view(_conn: psycopg.Connection[Any], settings: Settings, _url: str) -> CanStoreView:
    return RedisLiveStateView(redis_client(settings), LiveKeys(settings.redis_prefix))


def _analytics_view(_conn: psycopg.Connection[Any], settings: Settings, _url: str) -> CanStoreView:
    from workers.analytics import clickhouse

    return event_analytics_view(settings, clickhouse())


def _quarantine_reactions(
    conn: psycopg.Connection[Any], settings: Settings, url: str
) -> CanStoreView:
    env = eventsourcing_env(url, settings.database_schema, 2)
    return quarantine_policy.QuarantineReactions(conn, AlertDesk(env), PolicyDesk(env))


def _has_redis(settings: Settings) -> bool:
    return bool(settings.redis_url)


@dataclass(frozen=True)
class ProjectionSpec:
    name: str
    description: str
    projection: Callable[[], CanProject]
    view: ViewFactory
    enabled: Callable[[Settings], bool] = _always
    """Whether the store this projection writes to is configured."""
    mirrored: bool = False
    """Kept outside PostgreSQL: its runner copies the position to ``projection_positions``."""


PROJECTIONS: dict[str, ProjectionSpec] = {
    timeline.NAME: ProjectionSpec(
        timeline.NAME,
        "sessions, events, paired tool calls and subagents (PostgreSQL)",
        SessionTimelineProjection,
        _postgres(PostgresSessionTimelineView),
    ),
    guardrails.NAME: ProjectionSpec(
        guardrails.NAME,
        "policies and their history, every guardrail decision, quarantines (PostgreSQL)",
        GuardrailsProjection,
        _postgres(PostgresGuardrailsView),
    ),
    audit_log.NAME: ProjectionSpec(
        audit_log.NAME,
        "who did what, when: every command anyone issued (PostgreSQL)",
        AuditLogProjection,
        _postgres(PostgresAuditLogView),
    ),
    alerts.NAME: ProjectionSpec(
        alerts.NAME,
        "alerts raised by model assessments, their status; model versions (PostgreSQL)",
        AlertsProjection,
        _postgres(PostgresAlertsView),
    ),
    quarantine_policy.NAME: ProjectionSpec(
        quarantine_policy.NAME,
        "policy: a critical alert quarantines its session (ask, with the alert's reason)",
        quarantine_policy.WhenAlertRaisedQuarantineSession,
        _quarantine_reactions,
    ),
    notify_dispatch.NAME: ProjectionSpec(
        notify_dispatch.NAME,
        "dispatch: every raised alert to its chat webhooks (notify_alert jobs; Redis)",
        notify_dispatch.WhenAlertRaisedNotify,
        notify_dispatch.dispatcher,
        enabled=notify_dispatch.enabled,
    ),
    agent_metrics.NAME: ProjectionSpec(
        agent_metrics.NAME,
        "per-minute tool calls, failures, decisions, durations by project, session, agent,"
        " model and tool (PostgreSQL; TimescaleDB when available)",
        AgentMetricsProjection,
        _metrics_view,
    ),
    event_analytics.NAME: ProjectionSpec(
        event_analytics.NAME,
        "every event in a wide table for analytics and search (ClickHouse; chDB embedded)",
        EventAnalyticsProjection,
        _analytics_view,
        mirrored=True,
    ),
    live_state.NAME: ProjectionSpec(
        live_state.NAME,
        "active sessions, latest events, counters, live pub/sub (Redis)",
        LiveStateProjection,
        _live_view,
        enabled=_has_redis,
        mirrored=True,
    ),
}


_readers: weakref.WeakKeyDictionary[EventStoreApplication, LogReader] = weakref.WeakKeyDictionary()


def _reader(store: EventStoreApplication) -> LogReader:
    """One log reader per event store object: the runners of a process share what it read
    and decoded (weakly held: a store that goes away takes its cached events with it)."""
    found = _readers.get(store)
    if found is None:
        found = _readers[store] = LogReader(store)
    return found


def parking(settings: Settings, url: str) -> Parking:
    """Parks poison events and raises their alerts (an AlertDesk opened at the first one)."""
    desks: list[AlertDesk] = []

    def alert(parked: ParkedEvent) -> None:
        if not desks:
            desks.append(AlertDesk(eventsourcing_env(url, settings.database_schema, 1)))
        desks[0].report_parked_event(
            ReportParkedEvent(
                tenant_id=parked.tenant_id, session_id=parked.session_id,
                projection=parked.projection, position=parked.position,
                event_type=parked.event_type, stream_id=parked.stream_id,
                stream_version=parked.stream_version, error=parked.error,
                by=f"projector:{parked.projection}",
            )
        )  # fmt: skip

    return Parking(alert)


def worker(
    spec: ProjectionSpec, settings: Settings, url: str, store: EventStoreApplication
) -> ProjectionWorker:
    return ProjectionWorker(
        spec.name,
        store,
        spec.projection(),
        lambda conn: spec.view(conn, settings, url),
        url=url,
        schema=settings.database_schema,
        batch_size=settings.projector_batch,
        poll_seconds=settings.projector_poll_seconds,
        reader=_reader(store),
        mirror=spec.mirrored,
        parking=parking(settings, url),
    )


def runner(
    spec: ProjectionSpec, settings: Settings, url: str, store: EventStoreApplication
) -> tuple[ProjectorRunner, psycopg.Connection[Any]]:
    """A runner on its own connection (for rebuilds and status); the caller closes it."""
    conn = connect(url, settings.database_schema, autocommit=True)
    return (
        ProjectorRunner(
            spec.name, store, spec.projection(), spec.view(conn, settings, url),
            batch_size=settings.projector_batch, parking=(parking(settings, url), conn),
        ),
        conn,
    )  # fmt: skip
