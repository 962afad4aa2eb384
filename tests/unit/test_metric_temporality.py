"""What a metric data point adds to its series, delta or cumulative (domain.sessions.metrics),
and the session aggregate that keeps each series' last point."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from eventsourcing.domain import Snapshot
from hypothesis import given
from hypothesis import strategies as st

from domain.sessions.aggregate import AgentSession
from domain.sessions.metrics import GAUGE, HISTOGRAM, SUM, MetricPoint, observe, series_of
from domain.sessions.telemetry import TelemetryFacts

AT = datetime(2026, 8, 18, 9, 0, tzinfo=UTC)
SECOND = 10**9


def point(value: float, start: int, time: int, *, cumulative: bool, kind: str = SUM,
          count: int | None = None, monotonic: bool = True) -> MetricPoint:  # fmt: skip
    return MetricPoint("claude_code.token.usage", kind, "tokens", value, count, cumulative,
                       monotonic, start, time, "series-1", type="input")  # fmt: skip


def added(points: list[MetricPoint]) -> float:
    """What the points add in order, each observed after the state the one before left."""
    state, total = None, 0.0
    for p in points:
        observed = observe(state, p)
        total += observed.increment or 0.0
        state = observed.state
    return total


def test_a_delta_point_adds_its_value_and_the_same_point_again_adds_nothing():
    first = point(5, 0, SECOND, cumulative=False)
    second = point(7, SECOND, 2 * SECOND, cumulative=False)
    assert added([first, second]) == 12
    assert added([first, second, second, first]) == 12


def test_a_cumulative_point_adds_what_grew_since_the_last_one():
    assert added([point(5, 0, SECOND, cumulative=True),
                  point(12, 0, 2 * SECOND, cumulative=True)]) == 12  # fmt: skip


def test_a_redelivered_cumulative_point_adds_nothing():
    first, second = point(5, 0, SECOND, cumulative=True), point(12, 0, 2 * SECOND, cumulative=True)
    assert added([first, second, second, first]) == 12


def test_a_new_start_time_is_a_reset_that_counts_the_new_value_whole():
    before = [point(5, 0, SECOND, cumulative=True), point(12, 0, 2 * SECOND, cumulative=True)]
    after = [point(3, 3 * SECOND, 4 * SECOND, cumulative=True),
             point(4, 3 * SECOND, 5 * SECOND, cumulative=True)]  # fmt: skip
    assert added(before + after) == 12 + 4


def test_a_monotonic_value_that_drops_is_a_reset():
    assert added([point(12, 0, SECOND, cumulative=True),
                  point(2, 0, 2 * SECOND, cumulative=True)]) == 14  # fmt: skip


def test_an_up_down_counter_may_go_down():
    points = [point(12, 0, SECOND, cumulative=True, monotonic=False),
              point(2, 0, 2 * SECOND, cumulative=True, monotonic=False)]  # fmt: skip
    assert added(points) == 2


def test_a_histogram_counts_by_sum_and_count():
    first = point(10, 0, SECOND, cumulative=True, kind=HISTOGRAM, count=2)
    second = point(25, 0, 2 * SECOND, cumulative=True, kind=HISTOGRAM, count=5)
    observed = observe(observe(None, first).state, second)
    assert (observed.increment, observed.count_increment) == (15, 3)


def test_a_gauge_is_a_reading_not_an_increment():
    observed = observe(None, point(42, 0, SECOND, cumulative=False, kind=GAUGE))
    assert (observed.increment, observed.state) == (None, None)


def test_the_series_leaves_out_who_and_where():
    a = series_of("m", {"type": "input", "session.id": "s1", "user.email": "a@example.com"})
    b = series_of("m", {"type": "input", "session.id": "s2", "user.account_uuid": "u"})
    assert a == b
    assert a != series_of("m", {"type": "output"})
    assert a != series_of("n", {"type": "input"})
    assert a != series_of("m", {"type": "input"}, {"host.name": "laptop-2"})
    assert a == series_of("m", {"type": "input"}, {"user.email": "a@example.com"})


# A counter's story: increments (whole numbers, so sums are exact), restarts, redeliveries.
steps = st.lists(
    st.tuples(st.integers(0, 10**6), st.booleans(), st.integers(0, 3)), min_size=1, max_size=40
)


@given(steps, st.randoms(use_true_random=False))
def test_delta_and_cumulative_exports_of_one_counter_add_the_same(story, random):
    """Whatever the increments, restarts (a new process: new start time) and redeliveries (an
    export sent again, now or later), both temporalities add exactly the counter's growth."""
    delta: list[MetricPoint] = []
    cumulative: list[MetricPoint] = []
    start = total = 0
    for i, (increment, restart, again) in enumerate(story, start=1):
        if restart and i > 1:
            start, total = (i - 1) * SECOND, 0
        total += increment
        delta.append(point(increment, (i - 1) * SECOND, i * SECOND, cumulative=False))
        cumulative.append(point(total, start, i * SECOND, cumulative=True))
        for _ in range(again):  # redelivered: right away, or after later points
            at = random.randint(0, len(delta) - 1)
            delta.append(delta[at])
            cumulative.append(cumulative[at])
    grown = sum(increment for increment, _, _ in story)
    assert added(delta) == grown
    assert added(cumulative) == grown


def _metric_facts(value: float, time: int, *, cumulative: bool) -> TelemetryFacts:
    metric = point(value, 0, time, cumulative=cumulative)
    return TelemetryFacts("s1", metric.name, occurred_at=AT, user_id="u1", team="platform",
                          metric=metric)  # fmt: skip


def _session_with(values: list[tuple[float, int]]) -> AgentSession:
    session = AgentSession.open("default", "s1", AT)
    for value, time in values:
        session.record_telemetry(_metric_facts(value, time, cumulative=True), "{}",
                                 received_at=AT, source="otlp-metrics")  # fmt: skip
    return session


def test_the_session_records_increments_and_its_events_rebuild_the_series_state():
    session = _session_with([(5, SECOND), (12, 2 * SECOND), (12, 2 * SECOND)])
    events = session.collect_events()
    recorded = [e for e in events if isinstance(e, AgentSession.MetricRecorded)]
    assert [e.increment for e in recorded] == [5, 7, 0]
    assert [e.value for e in recorded] == [5, 12, 12]
    assert (recorded[0].type, recorded[0].team, recorded[0].user_id) == ("input", "platform", "u1")
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert isinstance(replayed, AgentSession)
    assert (
        replayed.metric_series == session.metric_series == {"series-1": [0, 2 * SECOND, 12, None]}
    )


def test_a_snapshot_from_before_metrics_is_brought_up_to_date():
    session = _session_with([])
    snapshot = Snapshot.take(session)
    state = {k: v for k, v in snapshot.state.items() if k != "metric_series"}
    old = replace(snapshot, state={**state, "class_version": 2})
    restored = old.mutate(None)
    assert restored.metric_series == {}
    restored.record_telemetry(_metric_facts(5, SECOND, cumulative=True), "{}", received_at=AT,
                              source="otlp-metrics")  # fmt: skip
    assert restored.collect_events()[-1].increment == 5
