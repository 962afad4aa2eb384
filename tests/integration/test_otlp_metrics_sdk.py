"""The OpenTelemetry Python SDK's own OTLP/HTTP metrics exporter, delta and cumulative, against
a running server: the session records the same increments either way (the SDK is the
reference exporter; Claude Code's is its JavaScript sibling)."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import Counter, MeterProvider
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    InMemoryMetricReader,
    MetricExportResult,
)
from opentelemetry.sdk.resources import Resource

from domain.sessions.aggregate import AgentSession
from domain.sessions.values import session_stream_id

SESSION = "sdk-session-1"
STANDARD = {"session.id": SESSION, "user.account_uuid": "u-1", "user.email": "a@example.com"}


@pytest.mark.parametrize("temporality", [AggregationTemporality.DELTA,
                                         AggregationTemporality.CUMULATIVE])  # fmt: skip
def test_the_sdk_exporter_records_the_counters_growth(live_server, store, temporality):
    """Three collections (the last with nothing new), each exported, one of them twice (a
    retry): what the session records adds up to what was counted."""
    reader = InMemoryMetricReader(preferred_temporality={Counter: temporality})
    provider = MeterProvider(metric_readers=[reader],
                             resource=Resource.create({"service.name": "claude-code",
                                                       "team": "platform"}))  # fmt: skip
    exporter = OTLPMetricExporter(endpoint=f"{live_server.base_url}/v1/metrics", timeout=10)
    lines = provider.get_meter("com.anthropic.claude_code").create_counter(
        "claude_code.lines_of_code.count", unit="count"
    )
    exports: list[Any] = []
    for added, removed in ((40, 5), (2, 1), (0, 0)):
        if added:
            lines.add(added, {**STANDARD, "type": "added"})
            lines.add(removed, {**STANDARD, "type": "removed"})
        data = reader.get_metrics_data()
        if data is not None:
            exports.append(data)
    try:
        for data in [*exports, exports[0]]:
            assert exporter.export(data) is MetricExportResult.SUCCESS
    finally:
        exporter.shutdown()
        provider.shutdown()
    events = list(store.events.get(session_stream_id("default", SESSION)))
    recorded = [e for e in events if isinstance(e, AgentSession.MetricRecorded)]
    assert recorded
    assert {e.cumulative for e in recorded} == {temporality is AggregationTemporality.CUMULATIVE}
    by_type = {kind: sum(e.increment for e in recorded if e.type == kind)
               for kind in ("added", "removed")}  # fmt: skip
    assert by_type == {"added": 42, "removed": 6}
    assert {e.team for e in recorded} == {"platform"}
