"""The alerts read model in PostgreSQL (``alerts``, ``model_versions``), with the position."""

from __future__ import annotations

from typing import Any

import psycopg

from projections import storable
from projections.alerts.projection import NAME, AlertChanges
from projections.alerts.tables import metadata
from projections.view_tracking import TrackedView

TABLES = tuple(metadata.tables)

_SQL = {
    "raised": """
INSERT INTO alerts (tenant_id, alert_id, position, session_id, agent, severity, status, reason,
    score, model_kind, model_version_id, assessment_id, assessment_version, raised_by, raised_at,
    last_position)
VALUES (%(tenant_id)s, %(id)s, %(position)s, %(session_id)s, %(agent)s, %(severity)s, 'raised',
    %(reason)s, %(score)s, %(model_kind)s, %(model_version_id)s, %(assessment_id)s,
    %(assessment_version)s, %(by)s, %(at)s, %(position)s)
""",
    "acknowledged": """
UPDATE alerts SET status = 'acknowledged', acknowledged_by = %(by)s, acknowledged_at = %(at)s,
    acknowledged_note = %(note)s, last_position = %(position)s
WHERE tenant_id = %(tenant_id)s AND alert_id = %(id)s
""",
    "resolved": """
UPDATE alerts SET status = 'resolved', resolved_by = %(by)s, resolved_at = %(at)s,
    resolved_note = %(note)s, last_position = %(position)s
WHERE tenant_id = %(tenant_id)s AND alert_id = %(id)s
""",
    "escalated": """
UPDATE alerts SET escalation = %(escalation)s, escalated_at = %(at)s,
    last_position = %(position)s
WHERE tenant_id = %(tenant_id)s AND alert_id = %(id)s
""",
    "trained": """
INSERT INTO model_versions (tenant_id, version_id, position, kind, label, status, metrics,
    artifact_sha256, feature_schema_version, trained_by, trained_at, last_position)
VALUES (%(tenant_id)s, %(id)s, %(position)s, %(kind)s, %(label)s, 'trained', %(metrics)s::jsonb,
    %(artifact_sha256)s, %(feature_schema_version)s, %(trained_by)s, %(trained_at)s,
    %(position)s)
""",
    "promoted": """
UPDATE model_versions SET status = 'promoted', promoted_by = %(by)s, promoted_at = %(at)s,
    last_position = %(position)s
WHERE tenant_id = %(tenant_id)s AND version_id = %(id)s
""",
    "retired": """
UPDATE model_versions SET status = 'retired', retired_by = %(by)s, retired_at = %(at)s,
    retired_reason = %(reason)s, last_position = %(position)s
WHERE tenant_id = %(tenant_id)s AND version_id = %(id)s
""",
}


class PostgresAlertsView(TrackedView):
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        super().__init__(conn, NAME, TABLES)

    def apply(self, changes: AlertChanges, start: int, end: int) -> None:
        with self.batch(start, end) as cur:
            for kind, data in changes.ops:
                if kind == "trained":  # metrics is JSON text, cast to jsonb
                    metrics = storable.jsonb_text(data["metrics"])
                    cur.execute(_SQL[kind], {**data, "metrics": metrics})
                else:
                    cur.execute(_SQL[kind], data)
