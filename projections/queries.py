"""How far each projection has read (for read-your-writes waits and status pages)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


class PositionQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def position(self, name: str) -> int:
        async with self._engine.connect() as conn:
            value = await conn.scalar(
                text("SELECT position FROM projection_positions WHERE name = :name"), {"name": name}
            )
        return int(value or 0)

    async def recorded(self) -> int:
        """The last global position in the event log (0 when it is empty). Index-only: the
        notification id is the table's ordered key."""
        async with self._engine.connect() as conn:
            value = await conn.scalar(text("SELECT max(notification_id) FROM observatory_events"))
        return int(value or 0)
