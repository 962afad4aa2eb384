"""GraphQL types of human approval: the pending requests of the inbox, and an answer."""

from __future__ import annotations

from datetime import datetime

import strawberry

from read_api.graphql.context import PendingApproval as PendingRecord
from read_api.graphql.types.session import Position


@strawberry.type(description="A tool call held until a person on duty answers (or the wait ends).")
class PendingApproval:
    request_id: str
    session_id: str
    hook: str
    tool_name: str | None
    agent_id: str | None
    summary: str = strawberry.field(description="The command, path or input asked about.")
    rule_id: str | None = strawberry.field(description="The approval rule that asked.")
    roles: list[str] = strawberry.field(description="Roles whose members may answer.")
    teams: list[str] = strawberry.field(description="Teams whose members may answer (empty: any).")
    requested_at: datetime
    expires_at: datetime = strawberry.field(description="When the default answer applies.")
    on_timeout: str = strawberry.field(
        description="The answer if nobody answers: deny, ask, allow."
    )
    requested_by: str | None = strawberry.field(description="Who sent the hook.")

    @classmethod
    def of(cls, p: PendingRecord) -> PendingApproval:
        return cls(
            request_id=p.request_id, session_id=p.session_id, hook=p.hook,
            tool_name=p.tool_name, agent_id=p.agent_id, summary=p.summary, rule_id=p.rule_id,
            roles=list(p.roles), teams=list(p.teams), requested_at=p.requested_at,
            expires_at=p.expires_at, on_timeout=p.on_timeout, requested_by=p.requested_by,
        )  # fmt: skip


@strawberry.type(description="What an approval answer recorded.")
class ApprovalCommandResult:
    request_id: str
    position: Position
    """The answer's global position in the log (the held hook learns it from there)."""
