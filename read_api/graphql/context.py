"""The per-request GraphQL context: tenant, queries, loaders (built fresh per request)."""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.litestar import BaseContext
from strawberry.types import Info

from projections.guardrails.queries import GuardrailQueries
from projections.session_timeline.queries import SessionTimelineQueries
from read_api.graphql.loaders.subagents_by_session import SubagentsBySessionLoader
from read_api.graphql.loaders.tool_calls_by_session import ToolCallsBySessionLoader
from read_api.waiting import PositionWaiter


@dataclass(frozen=True)
class ReadSide:
    """What the read API needs, built once per process by the entry point."""

    timeline: SessionTimelineQueries
    guardrails: GuardrailQueries
    waiter: PositionWaiter
    tenant_id: str
    min_position_timeout: float = 5.0


class ReadContext(BaseContext, kw_only=True):
    side: ReadSide
    tenant_id: str
    tool_calls: ToolCallsBySessionLoader
    subagents: SubagentsBySessionLoader

    @classmethod
    def build(cls, side: ReadSide) -> ReadContext:
        return cls(
            side=side,
            tenant_id=side.tenant_id,
            tool_calls=ToolCallsBySessionLoader(side.timeline, side.tenant_id),
            subagents=SubagentsBySessionLoader(side.timeline, side.tenant_id),
        )


ReadInfo = Info[ReadContext, None]
