"""GraphQL types of activity: what the agents' own metrics report (Claude Code's counters)."""

from __future__ import annotations

from enum import Enum

import strawberry

from projections.activity.queries import ActivityRow


@strawberry.enum(description="What activity is grouped by.")
class ActivityGrouping(Enum):
    MODEL = "model"
    SESSION = "session_id"
    USER = "user_id"
    TEAM = "team"
    MINUTE = "minute"
    DAY = "day"


@strawberry.type(
    description="What the agents' metrics (OTLP, claude_code.*) report for one group or "
    "bucket. Cost and tokens here are the metrics' report of the same spend that `usage` "
    "has from api_request log events: compare the two, never add them."
)
class Activity:
    key: str = strawberry.field(
        description="The group's value (empty where the metrics did not say) or the bucket's "
        "start (ISO). Only lines, cost and tokens carry a model."
    )
    sessions: int = strawberry.field(description="Sessions started (session.count).")
    lines_added: float
    lines_removed: float
    commits: int
    pull_requests: int
    edits_accepted: int = strawberry.field(description="Edit/Write/NotebookEdit accepted.")
    edits_rejected: int
    edit_accept_rate: float | None = strawberry.field(
        description="Accepted over decided edits (null: none decided)."
    )
    active_user_seconds: float = strawberry.field(description="Active time, keyboard.")
    active_cli_seconds: float = strawberry.field(description="Active time, tools and model.")
    cost_usd: float = strawberry.field(description="cost.usage: the agent's own estimate.")
    input_tokens: float = strawberry.field(description="token.usage input, cache excluded.")
    output_tokens: float
    cache_read_tokens: float
    cache_creation_tokens: float
    total_tokens: float

    @classmethod
    def of(cls, row: ActivityRow) -> Activity:
        return cls(
            key=row.key, sessions=row.sessions, lines_added=row.lines_added,
            lines_removed=row.lines_removed, commits=row.commits,
            pull_requests=row.pull_requests, edits_accepted=row.edits_accepted,
            edits_rejected=row.edits_rejected, edit_accept_rate=row.edit_accept_rate,
            active_user_seconds=row.active_user_seconds,
            active_cli_seconds=row.active_cli_seconds, cost_usd=row.cost_usd,
            input_tokens=row.input_tokens, output_tokens=row.output_tokens,
            cache_read_tokens=row.cache_read_tokens,
            cache_creation_tokens=row.cache_creation_tokens, total_tokens=row.total_tokens,
        )  # fmt: skip
