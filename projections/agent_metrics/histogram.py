"""Tool-call durations as fixed-bucket histograms: mergeable across minutes, sessions and
rollups (percentiles of percentiles are meaningless; sums of histograms are exact).

Percentiles are estimated by linear interpolation inside the bucket that holds the rank, so
the error is bounded by the bucket's width (buckets grow ~2-2.5x, as Prometheus' do).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

BOUNDS_MS: tuple[float, ...] = (
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000,
    120_000, 300_000, 600_000,
)  # fmt: skip
"""Upper bounds (inclusive) of the buckets; one more bucket holds everything above."""

SIZE = len(BOUNDS_MS) + 1


def empty() -> list[int]:
    return [0] * SIZE


def bucket_of(duration_ms: float) -> int:
    return bisect_left(BOUNDS_MS, max(0.0, duration_ms))


def merge(into: list[int], other: Sequence[int]) -> None:
    for i, count in enumerate(other):
        into[i] += count


def percentile(histogram: Sequence[int], q: float) -> float | None:
    """The q-th percentile (0-100) estimated from the histogram; None when it is empty."""
    total = sum(histogram)
    if total == 0:
        return None
    rank = q / 100 * total
    seen = 0
    for i, count in enumerate(histogram):
        if count and seen + count >= rank:
            lower = BOUNDS_MS[i - 1] if i > 0 else 0.0
            if i >= len(BOUNDS_MS):
                return float(lower)  # open-ended top bucket: its lower bound
            upper = BOUNDS_MS[i]
            return lower + (upper - lower) * max(0.0, rank - seen) / count
        seen += count
    return float(BOUNDS_MS[-1])
