"""The analytics projection: one row per event with a tenant, a function of that event alone,
never carrying what the event store keeps sealed."""

from __future__ import annotations

import json
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.access.api_keys import ApiKey
from domain.guardrails.interventions import Intervention
from projections.event_analytics.projection import (
    COLUMNS,
    EventAnalyticsProjection,
    analytics_row,
    event_id,
    event_id_text,
)
from tests.contract.analytics_fakes import SEALED, acme_events, globex_events, positioned

LOG = positioned(acme_events(), globex_events())


def test_every_event_with_a_tenant_becomes_one_row_with_every_column():
    rows = EventAnalyticsProjection().changes(LOG).rows
    assert len(rows) == len(LOG)
    assert all(tuple(row) == COLUMNS for row in rows)
    assert [r["position"] for r in rows] == [p for p, _ in LOG]


def test_a_row_depends_on_its_event_alone():
    whole = EventAnalyticsProjection().changes(LOG).rows
    one_by_one = [analytics_row(p, e) for p, e in LOG]
    assert whole == one_by_one


def test_the_event_id_is_the_stored_events_key():
    rows = EventAnalyticsProjection().changes(LOG).rows
    _, first = LOG[0]
    assert rows[0]["event_id"] == str(event_id(first.originator_id, first.originator_version))
    assert len({r["event_id"] for r in rows}) == len(rows)


def test_outcomes_decisions_and_reported_durations_are_read_from_the_event():
    rows = {r["position"]: r for r in EventAnalyticsProjection().changes(LOG).rows}
    failed = next(r for r in rows.values() if r["outcome"] == "failed" and r["tenant_id"] == "acme")
    assert (failed["tool_name"], failed["duration_ms"], failed["hook"]) == (
        "Bash",
        500.0,
        "PostToolUseFailure",
    )
    denied = next(r for r in rows.values() if r["decision"])
    assert (denied["decision"], denied["outcome"], denied["rule_id"]) == (
        "deny",
        "denied",
        "secret_file_access",
    )
    assert json.loads(denied["payload"])["message"] == "blocked [REDACTED:email]"
    assert next(r for r in rows.values() if r["agent_id"])["agent_type"] == "Explore"


def test_sealed_originals_and_key_digests_are_never_copied():
    key = ApiKey.issue("k1", "acme", "ci", "agent", "f" * 64, by="admin")
    quarantine = Intervention(tenant_id="acme", kind="agent", target_id="sub1")
    quarantine.trigger_event(Intervention.Imposed, tenant_id="acme", kind="agent",
                             target_id="sub1", mode="deny", reason="odd", by="ops")  # fmt: skip
    events = [*key.collect_events(), *quarantine.collect_events()]
    rows = [analytics_row(i, e) for i, e in enumerate(events, start=100)]
    text = json.dumps(
        [r for r in rows if r] + EventAnalyticsProjection().changes(LOG).rows, default=str
    )
    assert SEALED not in text
    assert "f" * 64 not in text
    assert "prev_hash" not in text
    imposed = rows[-1]
    assert imposed is not None and imposed["agent_id"] == "sub1"
    assert json.loads(imposed["payload"])["reason"] == "odd"


def test_events_without_a_tenant_are_skipped():
    class Untenanted:
        pass

    assert analytics_row(1, Untenanted()) is None


@settings(max_examples=300)
@given(st.uuids(), st.integers(min_value=0, max_value=2**63))
def test_the_event_id_text_is_the_uuid5_of_the_stored_events_key(originator, version):
    assert event_id_text(originator, version) == str(event_id(originator, version))


def test_a_row_keeps_the_events_aware_time_and_refuses_a_naive_one():
    _, first = LOG[0]
    paris = first.timestamp.astimezone(ZoneInfo("Europe/Paris"))
    first.__dict__["timestamp"] = paris
    try:
        row = analytics_row(1, first)
        assert row is not None and row["at"] == paris
        first.__dict__["timestamp"] = paris.replace(tzinfo=None)
        with pytest.raises(ValueError, match="timezone-aware"):
            analytics_row(1, first)
    finally:
        first.__dict__["timestamp"] = paris.astimezone(UTC)
