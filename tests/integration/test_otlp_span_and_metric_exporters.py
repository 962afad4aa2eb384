"""The OpenTelemetry Python SDK's span and metric exporters against a running server, over
OTLP/gRPC, OTLP/HTTP protobuf and (the SDK's own request written as) OTLP/JSON: Claude Code's
beta trace spans and its metrics, with delta and with cumulative temporality, become events of
the session they name, between hooks of that session, in one intact hash chain.

Runs once the traces and metrics signals exist (``write_api.otlp.traces`` and ``.metrics``,
built beside this receiver and merged with it), and their signals are in
``write_api.otlp.grpc_receiver.SIGNALS``. Counts assume what the logs signal does: one event
per span and per data point that names its session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

traces = pytest.importorskip("write_api.otlp.traces")
metrics = pytest.importorskip("write_api.otlp.metrics")

import grpc  # noqa: E402 - after the skips: nothing to import until the signals exist
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics  # noqa: E402
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans  # noqa: E402
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (  # noqa: E402
    OTLPMetricExporter as GrpcMetricExporter,
)
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (  # noqa: E402
    OTLPSpanExporter as GrpcSpanExporter,
)
from opentelemetry.exporter.otlp.proto.http.metric_exporter import (  # noqa: E402
    OTLPMetricExporter as HttpMetricExporter,
)
from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: E402
    OTLPSpanExporter as HttpSpanExporter,
)
from opentelemetry.sdk.metrics import Counter, MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import (  # noqa: E402
    AggregationTemporality,
    InMemoryMetricReader,
    MetricExportResult,
    MetricsData,
)
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)

from commands.store.application import EventStoreApplication  # noqa: E402
from domain.audit.chain import verify_chain  # noqa: E402
from domain.sessions.values import session_stream_id  # noqa: E402
from infra.embedded.postgres import free_port  # noqa: E402
from infra.settings import Settings  # noqa: E402
from tests.conftest import S1  # noqa: E402
from tests.otel_sdk import Running, as_otlp_json  # noqa: E402

SESSION = S1["id"]
CLAUDE_CODE = {
    "service.name": "claude-code", "service.version": "2.1.14", "team": "platform",
    "cost_center": "eng-123",
}  # fmt: skip
STANDARD = {
    "session.id": SESSION, "user.account_uuid": "5d9e3a17-8c24-4b6f-b0e1-c7a2f9d84e36",
    "organization.id": "0b6c2a4e-91d7-4f38-a5c1-e8f2d3b7a690", "terminal.type": "vscode",
}  # fmt: skip
"""The attributes Claude Code puts on every span and data point (its monitoring docs)."""
OPUS = "claude-opus-4-5-20251101"


@pytest.fixture
def running(secure_settings: Settings, pg_url: str) -> Iterator[Running]:
    server = Running(secure_settings.replace(otlp_grpc_port=free_port()), pg_url)
    yield server
    server.stop()


def claude_code_spans() -> list[ReadableSpan]:
    """One interaction as Claude Code's beta tracing draws it: the prompt, a model request,
    a tool call with its permission wait and its run."""
    collected = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create(CLAUDE_CODE))
    provider.add_span_processor(SimpleSpanProcessor(collected))
    tracer = provider.get_tracer("com.anthropic.claude_code.tracing", "2.1.14")
    prompt = {**STANDARD, "prompt.id": "b71c0d2e-5f4a-4e39-9a61-2d8c7e1f0a93"}
    with tracer.start_as_current_span("claude_code.interaction",
                                      attributes={**prompt, "user_prompt_length": 42}):  # fmt: skip
        with tracer.start_as_current_span("claude_code.llm_request", attributes={
            **prompt, "model": OPUS, "input_tokens": 1204, "output_tokens": 612,
            "cache_read_tokens": 18240, "cache_creation_tokens": 3310, "ttft_ms": 812,
            "success": True,
        }):  # fmt: skip
            pass
        tool = {**prompt, "tool_name": "Bash", "tool_use_id": "toolu_01Hk3vQ9sPz2LmN8xRt5YwAb"}
        with tracer.start_as_current_span("claude_code.tool", attributes=tool):
            with tracer.start_as_current_span("claude_code.tool.blocked_on_user",
                                              attributes={**tool, "decision": "accept"}):  # fmt: skip
                pass
            with tracer.start_as_current_span("claude_code.tool.execution",
                                              attributes={**tool, "success": True}):  # fmt: skip
                pass
    provider.shutdown()
    return list(collected.get_finished_spans())


def claude_code_metrics(temporality: AggregationTemporality) -> list[MetricsData]:
    """Two collections of Claude Code's counters (cost, tokens by type, lines), the second
    after more usage: with delta temporality it carries the increments, with cumulative the
    running totals, as the SDK's reader configured either way exports them."""
    reader = InMemoryMetricReader(preferred_temporality={Counter: temporality})
    provider = MeterProvider(resource=Resource.create(CLAUDE_CODE), metric_readers=[reader])
    meter = provider.get_meter("com.anthropic.claude_code", "2.1.14")
    cost = meter.create_counter("claude_code.cost.usage", unit="USD")
    tokens = meter.create_counter("claude_code.token.usage", unit="tokens")
    lines = meter.create_counter("claude_code.lines_of_code.count", unit="count")
    collections = []
    for factor in (1, 2):
        cost.add(0.0842715 * factor, {**STANDARD, "model": OPUS})
        for kind, count in (("input", 1204), ("output", 612), ("cacheRead", 18240),
                            ("cacheCreation", 3310)):  # fmt: skip
            tokens.add(count * factor, {**STANDARD, "model": OPUS, "type": kind})
        lines.add(12 * factor, {**STANDARD, "type": "added"})
        data = reader.get_metrics_data()
        assert data is not None
        collections.append(data)
    provider.shutdown()
    return collections


def data_points(data: MetricsData) -> int:
    return sum(len(metric.data.data_points) for resource in data.resource_metrics
               for scope in resource.scope_metrics for metric in scope.metrics)  # fmt: skip


def telemetry_between_hooks(store: EventStoreApplication, source: str) -> list[Any]:
    """The session's events after its first hook and before its last, all from ``source``,
    in one intact chain with the hooks."""
    events = list(store.events.get(session_stream_id("default", SESSION)))
    names = [type(e).__name__ for e in events]
    assert names[:2] == ["Opened", "Started"] and names[-1] == "Started", names
    between = events[2:-1]
    assert {e.source for e in between} == {source}
    assert {e.session_id for e in between} == {SESSION}
    assert verify_chain(events).intact
    return between


def between_hooks(running: Running, send: Callable[[], None]) -> None:
    running.hook()
    send()
    running.hook()


@pytest.mark.parametrize("transport", ["grpc", "http/protobuf", "http/json"])
def test_claude_code_spans_become_events_of_their_session(running, store, transport):
    spans = claude_code_spans()

    def send() -> None:
        if transport == "grpc":
            exporter = running.over_grpc(GrpcSpanExporter, compression=grpc.Compression.Gzip)
        elif transport == "http/protobuf":
            exporter = running.over_http(HttpSpanExporter, traces.TRACES.endpoint)
        else:
            answer = running.http.post(traces.TRACES.endpoint, content=as_otlp_json(encode_spans(spans)),
                                       headers={**running.agent, "content-type": "application/json"})  # fmt: skip
            assert answer.status_code == 200, answer.text
            assert "partialSuccess" not in answer.json()
            return
        assert exporter.export(spans) is SpanExportResult.SUCCESS
        exporter.shutdown()

    between_hooks(running, send)
    assert len(telemetry_between_hooks(store, traces.TRACES.source)) == len(spans)


@pytest.mark.parametrize("temporality", [AggregationTemporality.DELTA,
                                         AggregationTemporality.CUMULATIVE],
                         ids=["delta", "cumulative"])  # fmt: skip
@pytest.mark.parametrize("transport", ["grpc", "http/protobuf", "http/json"])
def test_claude_code_metrics_become_events_of_their_session(running, store, transport, temporality):
    collections = claude_code_metrics(temporality)

    def send() -> None:
        for data in collections:
            _export_metrics(running, transport, temporality, data)

    between_hooks(running, send)
    recorded = telemetry_between_hooks(store, metrics.METRICS.source)
    assert len(recorded) == sum(data_points(data) for data in collections)


def _export_metrics(
    running: Running, transport: str, temporality: AggregationTemporality, data: MetricsData
) -> None:
    preferred = {Counter: temporality}
    if transport == "http/json":
        answer = running.http.post(metrics.METRICS.endpoint, content=as_otlp_json(encode_metrics(data)),
                                   headers={**running.agent, "content-type": "application/json"})  # fmt: skip
        assert answer.status_code == 200, answer.text
        assert "partialSuccess" not in answer.json()
        return
    exporter: Any
    if transport == "grpc":
        exporter = running.over_grpc(GrpcMetricExporter, preferred_temporality=preferred)
    else:
        exporter = running.over_http(HttpMetricExporter, metrics.METRICS.endpoint,
                                     preferred_temporality=preferred)  # fmt: skip
    assert exporter.export(data) is MetricExportResult.SUCCESS
    exporter.shutdown()
