"""The usage projection (pure): one record per model call with its dimensions, the session's
project from its first cwd counted only for later calls, sums that do not depend on batch
boundaries, and the cutting of a time range into month, day, hour and minute segments (and
months less their rest)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.sessions.aggregate import AgentSession
from projections.usage.counts import UsageCounts, truncate
from projections.usage.projection import (
    SessionProject,
    UsageChanges,
    UsageProjection,
    buckets,
)
from projections.usage.ranges import reads, segments
from tests.contract.analytics_fakes import T0, Stream


def model_call(s: Stream, seconds: float, *, cost: float = 0.01, model: str = "opus",
               attributes: dict[str, Any] | None = None, resource: dict[str, Any] | None = None,
               error: str | None = None) -> object:  # fmt: skip
    common = s._common(seconds)
    payload = {"attributes": attributes or {}, "resource": resource or {}}
    return AgentSession.ModelCallRecorded(
        **common, event_name="claude_code.api_request", prompt_id=None,
        occurred_at=common["timestamp"], source="otlp", payload_json=json.dumps(payload),
        redacted=[], sealed=None, model=model, input_tokens=100, output_tokens=50,
        cache_read_tokens=1000, cache_creation_tokens=10, cost_usd=cost, duration_ms=2000.0,
        error=error, user_id="u1", organization_id=None, team="platform",
    )  # fmt: skip


def log() -> list[tuple[int, object]]:
    """A call before the session's first hook, the hook (cwd), two calls after, one an hour
    later; a second session of another team with its agent and project in the record."""
    s = Stream("acme", "s1")
    t = Stream("acme", "s2")
    hook = s.hook(AgentSession.Started, "SessionStart", 30,
                  payload='{"cwd": "/home/dana/src/ledger-api", "model": "opus"}')  # fmt: skip
    events = [
        model_call(s, 10), hook, model_call(s, 40, error="overloaded"),
        model_call(s, 3700, model="haiku", cost=0.002),
        model_call(t, 50, attributes={"gen_ai.agent.name": "reviewer"},
                   resource={"project.name": "billing"}),
    ]  # fmt: skip
    return list(enumerate(events, start=1))


def fold(batches: list[list[tuple[int, object]]], unit: Any, keys: Any = None) -> dict[Any, Any]:
    """What a view does: the first project stored per session wins; sums add up."""
    known: dict[tuple[str, str], SessionProject] = {}
    out: dict[Any, UsageCounts] = {}
    for batch in batches:
        changes = UsageProjection().changes(batch)
        for key, fact in changes.projects.items():
            known.setdefault(key, fact)
        found = buckets(changes.records, known, unit, *((keys and [keys]) or []))
        for key, counts in found.items():
            out.setdefault(key, UsageCounts()).add(counts)
    return out


def test_a_model_call_becomes_one_record_with_its_dimensions_and_counts():
    changes: UsageChanges = UsageProjection().changes(log())
    first, *_, other = changes.records
    assert (first.tenant_id, first.session_id, first.user_id, first.team, first.model) == (
        "acme", "s1", "u1", "platform", "opus")  # fmt: skip
    assert (first.counts.calls, first.counts.errors, first.counts.cost_usd) == (1, 0, 0.01)
    assert changes.records[1].counts.errors == 1
    assert (other.agent, other.project) == ("reviewer", "billing")
    assert changes.projects == {("acme", "s1"): ("ledger-api", 2)}


def test_the_sessions_project_counts_only_for_calls_after_its_first_hook():
    days = fold([log()], "day")
    day = T0.replace(hour=0)
    s1: dict[str, int] = {}
    for key, counts in days.items():  # (tenant, day, session, user, team, project, agent, model)
        if key[2] == "s1":
            s1[key[5]] = s1.get(key[5], 0) + counts.calls
    assert s1 == {"": 1, "ledger-api": 2}
    assert {key[5] for key in days if key[2] == "s2"} == {"billing"}
    assert all(key[1] == day for key in days)


def test_rollup_keys_pick_their_dimensions_in_order():
    teams = fold([log()], "hour", ("team", "model"))
    assert {k[2:]: c.calls for k, c in teams.items() if k[1] == T0} == {
        ("platform", "opus"): 3}  # fmt: skip
    assert {k[2:] for k, c in teams.items() if k[1] == T0 + timedelta(hours=1)} == {
        ("platform", "haiku")}  # fmt: skip


@given(st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=5))
def test_any_batch_boundaries_give_the_same_sums(cuts):
    events = log()
    batches, start = [], 0
    for size in cuts:
        batches.append(events[start : start + size])
        start += size
    batches.append(events[start:])
    for unit in ("minute", "hour", "day", "month"):
        assert fold(batches, unit) == fold([events], unit)


def test_a_range_is_read_from_whole_days_whole_hours_and_ragged_minutes():
    since = datetime(2026, 11, 1, 17, 23, 41, tzinfo=UTC)
    until = datetime(2026, 11, 30, 9, 5, tzinfo=UTC)
    parts = segments(since, until, "day")
    assert [p[0] for p in parts] == ["minute", "hour", "day", "hour", "minute"]
    assert parts[0] == ("minute", since, since.replace(hour=18, minute=0, second=0))
    assert parts[2] == (
        "day",
        datetime(2026, 11, 2, tzinfo=UTC),
        datetime(2026, 11, 30, tzinfo=UTC),
    )
    assert parts[-1] == ("minute", until.replace(minute=0), until)


@given(st.datetimes(min_value=datetime(2025, 11, 1), max_value=datetime(2026, 3, 1)),
       st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=100)),
       st.sampled_from(["minute", "hour", "day", "month"]))  # fmt: skip
def test_segments_cover_the_range_once_in_order(start, length, coarsest):
    since = start.replace(tzinfo=UTC)
    parts = segments(since, since + length, coarsest)
    assert parts[0][1] == since and parts[-1][2] == since + length
    assert all(a[2] == b[1] for a, b in pairwise(parts))
    order = ["minute", "hour", "day", "month"]
    assert all(order.index(p[0]) <= order.index(coarsest) for p in parts)
    assert all(truncate(p[1], p[0]) == p[1] and truncate(p[2], p[0]) == p[2]
               for p in parts if p[0] != "minute")  # fmt: skip


def test_whole_months_are_read_from_month_rows_across_a_year_end():
    since = datetime(2025, 11, 14, 8, 30, tzinfo=UTC)
    until = datetime(2026, 2, 2, 0, 0, 10, tzinfo=UTC)
    parts = segments(since, until, "month")
    assert [p[0] for p in parts] == ["minute", "hour", "day", "month", "day", "minute"]
    assert parts[3] == ("month", datetime(2025, 12, 1, tzinfo=UTC),
                        datetime(2026, 2, 1, tzinfo=UTC))  # fmt: skip
    assert parts[2] == ("day", datetime(2025, 11, 15, tzinfo=UTC),
                        datetime(2025, 12, 1, tzinfo=UTC))  # fmt: skip
    assert parts[4] == ("day", datetime(2026, 2, 1, tzinfo=UTC),
                        datetime(2026, 2, 2, tzinfo=UTC))  # fmt: skip


def test_this_month_until_now_is_the_month_less_the_rest_of_it():
    month, now = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 30, 17, 23, 41, tzinfo=UTC)
    assert reads(month, now, "month") == (
        [("month", month, datetime(2026, 12, 1, tzinfo=UTC))],
        [("minute", now, now.replace(hour=18, minute=0, second=0)),
         ("hour", now.replace(hour=18, minute=0, second=0), datetime(2026, 12, 1, tzinfo=UTC))],
    )  # fmt: skip


def test_a_short_part_of_a_month_is_read_forward():
    since, until = datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 11, 9, 12, tzinfo=UTC)
    assert reads(since, until, "month") == (segments(since, until, "day"), [])
    assert reads(since, until, "day") == (segments(since, until, "day"), [])


MINUTES = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2026, 3, 1))


@given(st.lists(MINUTES, max_size=30), MINUTES, st.timedeltas(
    min_value=timedelta(seconds=1), max_value=timedelta(days=80)))  # fmt: skip
def test_added_less_subtracted_segments_count_every_instant_of_the_range_once(
    instants, start, length
):
    since, until = start.replace(tzinfo=UTC), start.replace(tzinfo=UTC) + length
    added, subtracted = reads(since, until, "month")
    for at in (i.replace(tzinfo=UTC) for i in [*instants, start, start + length]):
        count = (sum(a <= at < b for _, a, b in added)
                 - sum(a <= at < b for _, a, b in subtracted))  # fmt: skip
        assert count == (since <= at < until)
    assert all(truncate(p[1], p[0]) == p[1] and truncate(p[2], p[0]) == p[2]
               for p in [*added, *subtracted] if p[0] != "minute")  # fmt: skip


def test_a_short_range_is_read_from_minutes_only():
    since = datetime(2026, 11, 1, 9, 10, tzinfo=UTC)
    assert segments(since, since + timedelta(minutes=20), "day") == [
        ("minute", since, since + timedelta(minutes=20))]  # fmt: skip
