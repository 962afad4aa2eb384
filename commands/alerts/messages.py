"""Commands of the alerts context (imperative, no suffix)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class RecordAssessment:
    """A model's score of one session, as the scoring worker computed it."""

    tenant_id: str
    session_id: str
    model_version_id: UUID
    """The version that scored (its kind and thresholds come from the registry)."""
    score: float
    """Higher is worse; compared with the version's thresholds."""
    at_position: int
    """Global position of the last session event the score covers."""
    top_features: Sequence[Mapping[str, Any]] = ()
    """Up to 20 ``{name, value, contribution}``, most contributing first."""
    agent: str | None = None
    """The agent or subagent scored, when the score is per agent."""
    by: str = "ml_scoring"
    """Who recorded it (the worker's name), for the alerts it raises."""


@dataclass(frozen=True)
class ForecastBudgetExhaustion:
    """The burn-rate forecaster says a budget will be spent before its window ends."""

    tenant_id: str
    session_id: str
    """The session whose model call made the forecast."""
    rule_id: str
    owner: str
    """``team:payments``, ``session:<id>``…"""
    window: str
    """``2026-12-04``, ``2026-12`` or ``life``."""
    reason: str
    share: float
    """Part of the limit spent so far."""
    model_version_id: UUID
    """The promoted burn-rate version, or ``UUID(int=0)`` for the default parameters."""
    by: str = "ml_scoring"


MAX_NOTE_CHARS = 2_000
"""The longest note an operator may leave when acknowledging or resolving an alert."""


@dataclass(frozen=True)
class AcknowledgeAlert:
    tenant_id: str
    alert_id: UUID
    by: str
    note: str = ""


@dataclass(frozen=True)
class ResolveAlert:
    tenant_id: str
    alert_id: UUID
    by: str
    note: str = ""


@dataclass(frozen=True)
class EscalateAlert:
    """A policy acted on an alert (recorded once, so the policy acts once)."""

    tenant_id: str
    alert_id: UUID
    action: str
    detail: str
    by: str


@dataclass(frozen=True)
class ReportParkedEvent:
    """A read model skipped one event it could not store (see ``workers.parking``)."""

    tenant_id: str
    session_id: str | None
    projection: str
    position: int
    event_type: str
    stream_id: UUID
    stream_version: int
    error: str
    by: str
