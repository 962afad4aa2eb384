"""Duration histograms: percentiles land in the right bucket, and sums of histograms merge."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from projections.agent_metrics import histogram

durations = st.lists(st.floats(min_value=0, max_value=1_000_000, allow_nan=False), min_size=1,
                     max_size=200)  # fmt: skip


def of(values: list[float]) -> list[int]:
    counts = histogram.empty()
    for value in values:
        counts[histogram.bucket_of(value)] += 1
    return counts


def test_bounds_are_inclusive_upper_limits():
    assert histogram.bucket_of(0) == 0
    assert histogram.bucket_of(1) == 0
    assert histogram.bucket_of(1.01) == 1
    assert histogram.bucket_of(600_000) == len(histogram.BOUNDS_MS) - 1
    assert histogram.bucket_of(600_001) == len(histogram.BOUNDS_MS)


def test_an_empty_histogram_has_no_percentile():
    assert histogram.percentile(histogram.empty(), 50) is None


@given(durations)
def test_the_estimate_lies_in_the_bucket_of_the_true_percentile(values: list[float]):
    ordered = sorted(values)
    for q in (50, 95, 99):
        true = ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]
        estimate = histogram.percentile(of(values), q)
        assert estimate is not None
        bucket = histogram.bucket_of(true)
        lower = histogram.BOUNDS_MS[bucket - 1] if bucket else 0.0
        upper = histogram.BOUNDS_MS[bucket] if bucket < len(histogram.BOUNDS_MS) else math.inf
        assert lower <= estimate <= upper


@given(durations, durations)
def test_merged_histograms_equal_the_histogram_of_all_values(a: list[float], b: list[float]):
    merged = of(a)
    histogram.merge(merged, of(b))
    assert merged == of(a + b)


@given(durations)
def test_percentiles_grow_with_q(values: list[float]):
    counts = of(values)
    estimates = [histogram.percentile(counts, q) for q in (10, 50, 90, 99, 100)]
    assert estimates == sorted(estimates)
