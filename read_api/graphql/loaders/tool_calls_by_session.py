"""Tool calls of many sessions in one query."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from projections.session_timeline.queries import SessionTimelineQueries, ToolCallRecord


class ToolCallsBySessionLoader(DataLoader[str, list[ToolCallRecord]]):
    def __init__(self, queries: SessionTimelineQueries, tenant_id: str) -> None:
        async def load(session_ids: Sequence[str]) -> list[list[ToolCallRecord]]:
            found = await queries.tool_calls_of(tenant_id, list(session_ids))
            return [found[s] for s in session_ids]

        super().__init__(load_fn=load)
