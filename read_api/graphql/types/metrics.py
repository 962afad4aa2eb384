"""GraphQL types of agent metrics: time series and breakdowns with duration percentiles."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry


@strawberry.enum(description="Width of a time-series point.")
class MetricStep(Enum):
    MINUTE = "minute"
    HOUR = "hour"


@strawberry.enum(description="What a breakdown groups by.")
class MetricDimension(Enum):
    PROJECT = "project"
    SESSION = "session_id"
    AGENT = "agent"
    MODEL = "model"
    TOOL = "tool"


@strawberry.input(description="Narrow metrics; every field is optional.")
class MetricsFilter:
    project: str | None = None
    session_id: str | None = None
    agent: str | None = strawberry.field(
        default=None, description="`main` or a subagent type (`Explore`…)."
    )
    model: str | None = None
    tool: str | None = None


@strawberry.type(description="Tool activity in one bucket (series) or one group (breakdown).")
class MetricPoint:
    key: str = strawberry.field(description="The bucket's start (ISO) or the group's value.")
    bucket: datetime | None
    calls: int = strawberry.field(description="Tool calls requested (PreToolUse).")
    completed: int
    failures: int
    denials: int = strawberry.field(description="Calls Observatory denied.")
    asks: int = strawberry.field(description="Calls Observatory sent to the user.")
    subagents: int = strawberry.field(description="Subagents started (fan-out).")
    duration_p50_ms: float | None
    duration_p95_ms: float | None
    duration_p99_ms: float | None
    duration_mean_ms: float | None
