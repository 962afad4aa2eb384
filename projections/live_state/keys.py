"""Redis key names of the live state: every key and channel carries the prefix and tenant."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LiveKeys:
    prefix: str = "observatory"

    @property
    def position(self) -> str:
        return f"{self.prefix}:live_state:position"

    @property
    def positions(self) -> str:
        """Pub/sub channel announcing each position reached (for read-your-writes waits)."""
        return f"{self.prefix}:live_state:positions"

    @property
    def pattern(self) -> str:
        """Every key of the live state (for reset and the privacy walk)."""
        return f"{self.prefix}:live:*"

    def active(self, tenant: str) -> str:
        """ZSET session id -> time of its last event (epoch seconds); ended sessions leave."""
        return f"{self.prefix}:live:{tenant}:active"

    def session(self, tenant: str, session_id: str) -> str:
        """HASH of one session's state."""
        return f"{self.prefix}:live:{tenant}:session:{session_id}"

    def recent(self, tenant: str, session_id: str) -> str:
        """STREAM of one session's latest events; entry id = ``<position>-0``."""
        return f"{self.prefix}:live:{tenant}:recent:{session_id}"

    def counters(self, tenant: str) -> str:
        """HASH of per-tenant counters since the log began."""
        return f"{self.prefix}:live:{tenant}:counters"

    def channel(self, tenant: str) -> str:
        """Pub/sub channel of live events (JSON), for GraphQL subscriptions."""
        return f"{self.prefix}:live:{tenant}:activity"
