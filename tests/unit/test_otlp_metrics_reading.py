"""Reading an OTLP metrics export (write_api/otlp/metrics.py) and summing it into activity
(projections/activity): Claude Code's counters as its monitoring docs describe them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)

from commands.ingest.messages import RecordTelemetry, TelemetryItem
from commands.ingest.service import Ingestor
from domain.sessions.aggregate import AgentSession
from projections.activity.projection import ActivityProjection
from tests.conftest import CORPUS, S1

DOCUMENT: dict[str, Any] = json.loads((CORPUS / "otlp" / "claude_code_metrics.json").read_text())
AT = datetime(2026, 8, 18, 9, 20, tzinfo=UTC)
SESSION = [{"key": "session.id", "value": {"stringValue": S1["id"]}}]


def read(document: dict[str, Any]) -> Any:
    from write_api.otlp.metrics import METRICS

    return METRICS.read(json_format.ParseDict(document, ExportMetricsServiceRequest()))


def one_metric(metric: dict[str, Any]) -> dict[str, Any]:
    return {"resourceMetrics": [{"scopeMetrics": [{"metrics": [metric]}]}]}


def test_every_claude_code_data_point_is_read_with_its_dimensions():
    result = read(DOCUMENT)
    assert result.rejected == 0
    assert len(result.records) == 27
    facts = {(f.event_name, f.metric.type, f.metric.model, f.metric.decision, f.metric.tool):
             f for f, _ in result.records}  # fmt: skip
    tokens = facts[("claude_code.token.usage", "cacheRead", "claude-opus-4-5-20251101", None,
                    None)]  # fmt: skip
    assert tokens.metric is not None
    assert (tokens.session_id, tokens.user_id, tokens.team) == (
        S1["id"], "5d9e3a17-8c24-4b6f-b0e1-c7a2f9d84e36", "platform",
    )  # fmt: skip
    assert (tokens.metric.kind, tokens.metric.unit, tokens.metric.cumulative) == (
        "sum", "tokens", False,
    )  # fmt: skip
    assert tokens.occurred_at == datetime(2026, 8, 18, 9, 14, tzinfo=UTC)  # the later interval
    edit = next(f for k, f in facts.items() if k[3] == "reject")
    assert edit.metric is not None
    assert (edit.metric.tool, edit.metric.language, edit.metric.decision_source) == (
        "Write", "Python", "user_reject",
    )  # fmt: skip
    active = [f.metric for f, _ in result.records if f.event_name.endswith("active_time.total")]
    assert sorted((m.type, m.value) for m in active if m) == [
        ("cli", 64.5), ("cli", 112.25), ("user", 20.0), ("user", 35.5),
    ]  # fmt: skip


def test_the_payload_keeps_the_whole_point():
    _, payload = read(DOCUMENT).records[0]
    assert payload["metric"] == "claude_code.session.count"
    assert payload["attributes"]["start_type"] == "fresh"
    assert payload["resource"]["cost_center"] == "eng-123"
    assert (payload["kind"], payload["temporality"], payload["value"]) == ("sum", "delta", 1)


def test_histograms_count_by_sum_and_count_and_gauges_are_readings():
    histogram = {"name": "h", "unit": "ms", "histogram": {"aggregationTemporality": 2,
                 "dataPoints": [{"attributes": SESSION, "timeUnixNano": "5", "count": "3",
                                 "sum": 12.5, "bucketCounts": ["1", "2"],
                                 "explicitBounds": [10.0]}]}}  # fmt: skip
    exponential = {"name": "e", "exponentialHistogram": {"aggregationTemporality": 1,
                   "dataPoints": [{"attributes": SESSION, "timeUnixNano": "5", "count": "2",
                                   "sum": 4.0}]}}  # fmt: skip
    gauge = {"name": "g", "gauge": {"dataPoints": [{"attributes": SESSION, "timeUnixNano": "5",
                                                    "asDouble": 0.5}]}}  # fmt: skip
    points = [read(one_metric(m)).records[0][0].metric for m in (histogram, exponential, gauge)]
    assert [(p.kind, p.value, p.count, p.cumulative) for p in points if p] == [
        ("histogram", 12.5, 3, True), ("histogram", 4.0, 2, False), ("gauge", 0.5, None, False),
    ]  # fmt: skip


def test_points_that_cannot_be_counted_are_rejected_with_a_reason():
    cases = {
        "session.id: required": {"name": "m", "sum": {"aggregationTemporality": 1,
                                 "dataPoints": [{"asInt": "1", "timeUnixNano": "5"}]}},
        "temporality unspecified": {"name": "m", "sum": {"dataPoints": [
            {"asInt": "1", "timeUnixNano": "5", "attributes": SESSION}]}},
        "time_unix_nano: required": {"name": "m", "sum": {"aggregationTemporality": 1,
                                     "dataPoints": [{"asInt": "1", "attributes": SESSION}]}},
        "no value": {"name": "m", "sum": {"aggregationTemporality": 1, "dataPoints": [
            {"timeUnixNano": "5", "attributes": SESSION}]}},
        "finite number": {"name": "m", "gauge": {"dataPoints": [
            {"asDouble": "Infinity", "timeUnixNano": "5", "attributes": SESSION}]}},
        "summary": {"name": "m", "summary": {"dataPoints": [{"count": "1"}]}},
        "model: expected a string": {"name": "m", "gauge": {"dataPoints": [
            {"asInt": "1", "timeUnixNano": "5", "attributes": [
                *SESSION, {"key": "model", "value": {"intValue": "4"}}]}]}},
    }  # fmt: skip
    for reason, metric in cases.items():
        result = read(one_metric(metric))
        assert (result.rejected, result.records) == (1, []), reason
        assert reason in result.first_problem, (reason, result.first_problem)


def test_activity_sums_what_each_point_adds():
    result = read(DOCUMENT)
    app = Ingestor()
    items = tuple(TelemetryItem(facts, json.dumps(payload)) for facts, payload in result.records)
    app.record([RecordTelemetry("default", items, AT, "otlp-metrics")])
    events = [(n.id, app.mapper.to_domain_event(n))
              for n in app.recorder.select_notifications(1, 100)]  # fmt: skip
    assert sum(isinstance(e, AgentSession.MetricRecorded) for _, e in events) == 27
    minutes = ActivityProjection().changes(events).minutes
    total: dict[str, float] = {}
    for counts in minutes.values():
        for name, number in counts.items():
            total[name] = total.get(name, 0) + number
    assert {k: v for k, v in total.items() if k not in ("cost_usd",)} == {
        "sessions": 1, "lines_added": 60, "lines_removed": 10, "commits": 1, "pull_requests": 1,
        "edits_accepted": 3, "edits_rejected": 1, "active_user_seconds": 55.5,
        "active_cli_seconds": 176.75, "input_tokens": 1204 + 2210 + 950,
        "output_tokens": 612 + 1480 + 120, "cache_read_tokens": 18240 + 21550,
        "cache_creation_tokens": 3310 + 1120,
    }  # fmt: skip
    assert abs(total["cost_usd"] - (0.0842715 + 0.0016 + 0.1204)) < 1e-12
    assert {key[5] for key in minutes} == {"claude-opus-4-5-20251101",
                                           "claude-haiku-4-5-20251001", ""}  # fmt: skip
