"""Model calls in, per-minute usage increments out (no I/O).

One row per (tenant, minute, session, user, team, model): calls, API errors, the four token
counts (Claude Code's ``input_tokens`` excludes cache reads and writes), cost in US dollars and
the summed latency. The minute is when the agent says the call happened (its
``event.timestamp``), else when Observatory received it. Counters only add, so any batch
boundaries give the same rows (a rebuild equals the incremental view).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from domain.sessions.aggregate import AgentSession
from projections import storable

NAME = "usage"

UsageKey = tuple[str, object, str, str, str, str]
"""(tenant, minute, session, user, team, model); '' where the record did not say."""


@dataclass
class UsageCounts:
    calls: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_creation_tokens: int = 0
    cost_usd: float = 0.0
    duration_sum_ms: float = 0.0

    def add(self, other: UsageCounts) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


COUNTS = tuple(f.name for f in fields(UsageCounts))


@dataclass
class UsageChanges:
    minutes: dict[UsageKey, UsageCounts] = field(default_factory=dict)


class UsageProjection:
    def changes(self, events: Iterable[tuple[int, object]]) -> UsageChanges:
        out = UsageChanges()
        for _, event in events:
            if isinstance(event, AgentSession.ModelCallRecorded):
                at = event.occurred_at or event.timestamp
                key = (
                    event.tenant_id, at.replace(second=0, microsecond=0),
                    storable.dimension(event.session_id) or "",
                    storable.dimension(event.user_id) or "", storable.dimension(event.team) or "",
                    storable.dimension(event.model) or "",
                )  # fmt: skip
                out.minutes.setdefault(key, UsageCounts()).add(
                    UsageCounts(
                        calls=1, errors=int(event.error is not None),
                        input_tokens=event.input_tokens, output_tokens=event.output_tokens,
                        cache_read_tokens=event.cache_read_tokens,
                        cache_creation_tokens=event.cache_creation_tokens,
                        cost_usd=event.cost_usd, duration_sum_ms=event.duration_ms or 0.0,
                    )
                )  # fmt: skip
        return out
