"""Latest live events of many sessions in one Redis round trip."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from projections.live_state.queries import LiveStateQueries

KEPT = 100
"""Events fetched per session (what the live state keeps)."""


class RecentEventsBySessionLoader(DataLoader[str, list[dict[str, Any]]]):
    def __init__(self, queries: LiveStateQueries, tenant_id: str) -> None:
        async def load(session_ids: Sequence[str]) -> list[list[dict[str, Any]]]:
            found = await queries.recent_events_of(tenant_id, list(session_ids), KEPT)
            return [found[s] for s in session_ids]

        super().__init__(load_fn=load)
