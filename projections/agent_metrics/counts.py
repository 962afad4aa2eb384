"""One metrics row's counts, and the key of a minute row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from projections.agent_metrics import histogram


@dataclass
class MinuteCounts:
    calls: int = 0
    completed: int = 0
    failures: int = 0
    denials: int = 0
    asks: int = 0
    subagents: int = 0
    duration_sum_ms: float = 0.0
    durations: list[int] = field(default_factory=histogram.empty)


MinuteKey = tuple[str, datetime, str, str, str]
"""(tenant, minute, session, agent, tool)"""
