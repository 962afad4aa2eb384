"""Every projection the product runs, by name, and how each view is connected to its store
(``observatory project`` and ``projections status|rebuild`` use this)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from commands.alerts.service import AlertDesk
from commands.guardrails.service import PolicyDesk
from commands.reactions import when_alert_raised_notify as notify_policy
from commands.reactions import when_alert_raised_quarantine_session as quarantine_policy
from commands.reactions import when_approval_requested_notify as approval_notify_policy
from infra.database import eventsourcing_env
from infra.redis_connections import redis_client
from infra.settings import Settings
from projections.activity import projection as activity
from projections.activity.postgres import PostgresActivityView
from projections.activity.projection import ActivityProjection
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
from projections.usage import clickhouse as usage_analytics
from projections.usage import projection as usage
from projections.usage.postgres import PostgresUsageView
from projections.usage.projection import UsageProjection
from workers.projector import CanProject, CanStoreView

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


def _usage_analytics_view(
    _conn: psycopg.Connection[Any], settings: Settings, _url: str
) -> CanStoreView:
    from workers.analytics import clickhouse

    return usage_analytics.usage_view(settings, clickhouse())


def _notify_dispatch(conn: psycopg.Connection[Any], settings: Settings, _url: str) -> CanStoreView:
    return notify_policy.NotifyDispatch(conn, lambda: job_sender(settings))


def _approval_dispatch(
    conn: psycopg.Connection[Any], settings: Settings, _url: str
) -> CanStoreView:
    return notify_policy.NotifyDispatch(
        conn, lambda: job_sender(settings), name=approval_notify_policy.NAME
    )


def job_sender(settings: Settings) -> notify_policy.Sender:
    """``send_alert`` through the ``notify_alert`` actor on the job broker, and its closer."""
    from infra.jobs import job_broker
    from workers.actors.notify_alert import Notifier, notify_alert_actor, send_alert

    broker = job_broker(settings)
    client = redis_client(settings)
    notifier = Notifier(settings, client)
    actor = notify_alert_actor(broker, notifier)

    def close() -> None:
        broker.close()
        client.close()

    return (lambda alert: send_alert(actor, notifier, alert)), close


def _notifies(settings: Settings) -> bool:
    """Only with somewhere to post to and a broker to post through."""
    return bool(settings.notify_webhooks and settings.redis_url)


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
    notify_policy.NAME: ProjectionSpec(
        notify_policy.NAME,
        "dispatch: every raised alert to its chat webhooks (notify_alert jobs; Redis)",
        notify_policy.WhenAlertRaisedNotify,
        _notify_dispatch,
        enabled=_notifies,
    ),
    approval_notify_policy.NAME: ProjectionSpec(
        approval_notify_policy.NAME,
        "dispatch: every approval request to its chat webhooks, linking the approval inbox",
        approval_notify_policy.WhenApprovalRequestedNotify,
        _approval_dispatch,
        enabled=_notifies,
    ),
    agent_metrics.NAME: ProjectionSpec(
        agent_metrics.NAME,
        "per-minute tool calls, failures, decisions, durations by project, session, agent,"
        " model and tool (PostgreSQL; TimescaleDB when available)",
        AgentMetricsProjection,
        _metrics_view,
    ),
    usage.NAME: ProjectionSpec(
        usage.NAME,
        "tokens by type and cost of model calls per minute, hour and day, by session, user,"
        " team, project, agent and model (the agents' own telemetry; PostgreSQL, TimescaleDB"
        " when available)",
        UsageProjection,
        _postgres(PostgresUsageView),
    ),
    activity.NAME: ProjectionSpec(
        activity.NAME,
        "lines, commits, PRs, edit decisions, active time, sessions, cost and tokens per minute,"
        " session, user, team and model (the agents' own metrics; PostgreSQL)",
        ActivityProjection,
        _postgres(PostgresActivityView),
    ),
    usage_analytics.NAME: ProjectionSpec(
        usage_analytics.NAME,
        "every model call and its hourly cost by team, user, project, agent, model and session"
        " (ClickHouse; chDB embedded)",
        UsageProjection,
        _usage_analytics_view,
        mirrored=True,
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
