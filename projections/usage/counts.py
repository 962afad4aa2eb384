"""What a usage row counts, and its time buckets (no domain import: the read side uses it)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

Unit = Literal["minute", "hour", "day"]
"""A bucket a question may ask for (``per``)."""
Rollup = Literal["minute", "hour", "day", "month"]
"""A unit PostgreSQL stores rows of: the buckets, and months (totals over long ranges only)."""


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

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in COUNTS)


COUNTS = tuple(f.name for f in fields(UsageCounts))


def truncate(at: datetime, unit: Rollup) -> datetime:
    if unit == "minute":
        return at.replace(second=0, microsecond=0)
    if unit == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return day.replace(day=1) if unit == "month" else day
