"""GraphQL types of usage: tokens by type and cost of the agents' model calls."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from projections.usage.queries import UsageRow


@strawberry.enum(description="What usage is grouped by.")
class UsageGrouping(Enum):
    MODEL = "model"
    SESSION = "session_id"
    USER = "user_id"
    TEAM = "team"
    PROJECT = strawberry.enum_value("project", description="The session's project (its cwd).")
    AGENT = strawberry.enum_value(
        "agent", description="The agent the telemetry names (empty for Claude Code's own)."
    )
    MINUTE = strawberry.enum_value("minute", description="Per minute (as `per: MINUTE`).")
    HOUR = strawberry.enum_value("hour", description="Per hour (as `per: HOUR`).")
    DAY = strawberry.enum_value("day", description="Per day, UTC (as `per: DAY`).")


@strawberry.enum(description="The time bucket usage is summed per (UTC).")
class UsageBucket(Enum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"


@strawberry.input(description="Only the model calls with these values.")
class UsageFilter:
    model: str | None = None
    session_id: str | None = None
    user_id: str | None = None
    team: str | None = None
    project: str | None = None
    agent: str | None = None


@strawberry.type(description="Model calls, tokens by type and cost of one group or bucket.")
class Usage:
    key: str = strawberry.field(
        description="The group's value (empty where the telemetry did not say) or, grouped "
        "per bucket only, the bucket's start (ISO)."
    )
    calls: int = strawberry.field(description="Model calls (api_request and api_error).")
    errors: int = strawberry.field(description="Calls that ended in an API error.")
    input_tokens: float = strawberry.field(description="Input tokens, cache excluded.")
    output_tokens: float
    cache_read_tokens: float
    cache_creation_tokens: float
    total_tokens: float
    cost_usd: float = strawberry.field(description="The agent's own estimate, in US dollars.")
    duration_mean_ms: float | None
    bucket: datetime | None = strawberry.field(
        default=None, description="The bucket's start, when grouped `per` a bucket."
    )

    @classmethod
    def of(cls, row: UsageRow) -> Usage:
        return cls(key=row.key, calls=row.calls, errors=row.errors,
                   input_tokens=row.input_tokens, output_tokens=row.output_tokens,
                   cache_read_tokens=row.cache_read_tokens,
                   cache_creation_tokens=row.cache_creation_tokens,
                   total_tokens=row.total_tokens, cost_usd=row.cost_usd,
                   duration_mean_ms=row.duration_mean_ms, bucket=row.bucket)  # fmt: skip
