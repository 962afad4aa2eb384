"""How far each projection has read (for read-your-writes waits and status pages)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, MetaData, Table, Text, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

metadata = MetaData()
positions = Table(
    "projection_positions", metadata,
    Column("name", Text, primary_key=True), Column("position", BigInteger),
    Column("updated_at", DateTime(timezone=True)),
)  # fmt: skip
event_log = Table("observatory_events", metadata, Column("notification_id", BigInteger))
"""The event log, as far as positions go (its DDL is eventsourcing's)."""


class PositionQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def position(self, name: str) -> int:
        async with self._engine.connect() as conn:
            value = await conn.scalar(select(positions.c.position).where(positions.c.name == name))
        return int(value or 0)

    async def recorded(self) -> int:
        """The last global position in the event log (0 when it is empty). Index-only: the
        notification id is the table's ordered key."""
        async with self._engine.connect() as conn:
            value = await conn.scalar(select(func.max(event_log.c.notification_id)))
        return int(value or 0)
