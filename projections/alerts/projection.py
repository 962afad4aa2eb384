"""The alerts projection: alert and model-version events in, row operations out (in order).

Assessments themselves are not projected here (they are the scorer's working record; the
alert a score raised carries the score, model and reason).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from domain.alerts.alert import Alert
from domain.ml.model_version import ModelVersion

NAME = "alerts"


@dataclass
class AlertChanges:
    ops: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class AlertsProjection:
    def changes(self, events: Iterable[tuple[int, object]]) -> AlertChanges:
        out = AlertChanges()
        for position, event in events:
            op = _op(position, event)
            if op is not None:
                out.ops.append(op)
        return out


def _op(position: int, event: Any) -> tuple[str, dict[str, Any]] | None:
    common = {"tenant_id": getattr(event, "tenant_id", None), "position": position,
              "id": event.originator_id, "at": event.timestamp}  # fmt: skip
    if isinstance(event, Alert.Raised):
        return "raised", {
            **common, "session_id": event.session_id, "agent": event.agent,
            "severity": event.severity, "reason": event.reason, "score": event.score,
            "model_kind": event.model_kind, "model_version_id": event.model_version_id,
            "assessment_id": event.assessment_id,
            "assessment_version": event.assessment_version, "by": event.by,
        }  # fmt: skip
    if isinstance(event, (Alert.Acknowledged, Alert.Resolved)):
        kind = "acknowledged" if isinstance(event, Alert.Acknowledged) else "resolved"
        return kind, {**common, "by": event.by, "note": event.note}
    if isinstance(event, Alert.Escalated):
        return "escalated", {**common, "escalation": f"{event.action}: {event.detail}"}
    if isinstance(event, ModelVersion.Trained):
        return "trained", {
            **common, "kind": event.kind, "label": event.label,
            "metrics": json.dumps(event.metrics), "artifact_sha256": event.artifact_sha256,
            "feature_schema_version": event.feature_schema_version,
            "trained_by": event.trained_by, "trained_at": event.trained_at,
        }  # fmt: skip
    if isinstance(event, ModelVersion.Promoted):
        return "promoted", {**common, "by": event.by}
    if isinstance(event, ModelVersion.Retired):
        return "retired", {**common, "by": event.by, "reason": event.reason}
    return None
