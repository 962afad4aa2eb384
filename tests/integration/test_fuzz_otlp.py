"""Generated bodies at the OTLP logs, metrics and traces doors, over real HTTP, under the contract of
``tests/fuzzing.py``: no 5xx, no hang, every refusal a problem document that records
nothing. Bodies: random bytes in either encoding, a real export cut short or with bytes
flipped, OTLP/JSON with wrong types in attributes and fields (a span's ids, kind, times and
status too), gzip of any of them, cut short."""

from __future__ import annotations

import copy
import gzip
import json
from typing import Any

import pytest
from google.protobuf import json_format
from hypothesis import given
from hypothesis import strategies as st
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from infra.access.principal import Role
from tests.conftest import CORPUS
from tests.fuzzing import (
    FUZZ,
    UNUSUAL_NUMBERS,
    FuzzTarget,
    fuzz_target,
    json_values,
    odd_text,
    raw_bodies,
)
from write_api.otlp.decoding import JSON, decode

__all__ = ["fuzz_target"]  # the module-scoped fixture, imported for this module's tests
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

EXPORT: dict[str, Any] = json.loads((CORPUS / "otlp" / "claude_code_logs.json").read_text())
PROTOBUF = "application/x-protobuf"


def _protobuf(document: dict[str, Any]) -> bytes:
    return json_format.Parse(json.dumps(document), ExportLogsServiceRequest()).SerializeToString()


VALID = _protobuf(EXPORT)
TRACES: dict[str, Any] = json.loads(
    (CORPUS / "otlp" / "04_openinference_and_openllmetry_mixed.json").read_text()
)
VALID_TRACES = decode(ExportTraceServiceRequest, json.dumps(TRACES).encode(), JSON, 64
                      ).SerializeToString()  # fmt: skip


@st.composite
def spoiled_protobuf(draw: st.DrawFn, valid: bytes = VALID) -> bytes:
    body = bytearray(valid)
    if draw(st.booleans()):
        return bytes(body[: draw(st.integers(0, len(body) - 1))])
    for _ in range(draw(st.integers(1, 8))):
        body[draw(st.integers(0, len(body) - 1))] = draw(st.integers(0, 255))
    return bytes(body)


@st.composite
def odd_json_export(draw: st.DrawFn) -> bytes:
    """The corpus export with one attribute value, record field or id replaced."""
    document = copy.deepcopy(EXPORT)
    record = draw(st.sampled_from(document["resourceLogs"][0]["scopeLogs"][0]["logRecords"]))
    how = draw(st.sampled_from(["attribute", "typed", "field", "id"]))
    if how == "attribute":
        attribute = draw(st.sampled_from(record["attributes"]))
        attribute["value"] = draw(json_values)
    elif how == "typed":
        attribute = draw(st.sampled_from(record["attributes"]))
        kind = draw(st.sampled_from(["stringValue", "intValue", "doubleValue", "boolValue",
                                     "arrayValue", "kvlistValue", "bytesValue"]))  # fmt: skip
        attribute["value"] = {kind: draw(st.one_of(st.sampled_from(UNUSUAL_NUMBERS), odd_text))}
    elif how == "field":
        name = draw(st.sampled_from(["timeUnixNano", "body", "severityNumber", "attributes"]))
        record[name] = draw(st.one_of(json_values, st.sampled_from(UNUSUAL_NUMBERS)))
    else:
        record[draw(st.sampled_from(["traceId", "spanId"]))] = draw(odd_text)
    return json.dumps(document).encode()


@st.composite
def odd_json_traces(draw: st.DrawFn) -> bytes:
    """The corpus trace export with one attribute value, span field or id replaced."""
    document = copy.deepcopy(TRACES)
    resource = draw(st.sampled_from(document["resourceSpans"]))
    span = draw(st.sampled_from(resource["scopeSpans"][0]["spans"]))
    how = draw(st.sampled_from(["attribute", "typed", "field", "id"]))
    if how == "attribute":
        attribute = draw(st.sampled_from(span["attributes"]))
        attribute["value"] = draw(json_values)
    elif how == "typed":
        attribute = draw(st.sampled_from(span["attributes"]))
        kind = draw(st.sampled_from(["stringValue", "intValue", "doubleValue", "boolValue",
                                     "arrayValue", "kvlistValue", "bytesValue"]))  # fmt: skip
        attribute["value"] = {kind: draw(st.one_of(st.sampled_from(UNUSUAL_NUMBERS), odd_text))}
    elif how == "field":
        name = draw(st.sampled_from(["startTimeUnixNano", "endTimeUnixNano", "kind", "status",
                                     "name", "attributes", "events"]))  # fmt: skip
        span[name] = draw(st.one_of(json_values, st.sampled_from(UNUSUAL_NUMBERS)))
    else:
        span[draw(st.sampled_from(["traceId", "spanId", "parentSpanId"]))] = draw(odd_text)
    return json.dumps(document).encode()


@FUZZ
@given(body=st.one_of(raw_bodies(), spoiled_protobuf(VALID_TRACES)))
def test_protobuf_traces_are_answered_within_the_contract(fuzz_target: FuzzTarget, body):
    fuzz_target.send("POST", "/v1/traces", body, role=Role.AGENT, content_type=PROTOBUF)


@FUZZ
@given(body=st.one_of(raw_bodies(), odd_json_traces()))
def test_json_traces_are_answered_within_the_contract(fuzz_target: FuzzTarget, body):
    fuzz_target.send("POST", "/v1/traces", body, role=Role.AGENT)


@FUZZ
@given(body=st.one_of(raw_bodies(), spoiled_protobuf()))
def test_protobuf_bodies_are_answered_within_the_contract(fuzz_target: FuzzTarget, body):
    fuzz_target.send("POST", "/v1/logs", body, role=Role.AGENT, content_type=PROTOBUF)


@FUZZ
@given(body=st.one_of(raw_bodies(), odd_json_export()))
def test_json_bodies_are_answered_within_the_contract(fuzz_target: FuzzTarget, body):
    fuzz_target.send("POST", "/v1/logs", body, role=Role.AGENT)


@FUZZ
@given(
    body=st.one_of(spoiled_protobuf(), odd_json_export()),
    cut=st.one_of(st.none(), st.integers(0, 200)),
    content_type=st.sampled_from([PROTOBUF, "application/json", "text/plain", None]),
)
def test_gzip_bodies_are_answered_within_the_contract(fuzz_target, body, cut, content_type):
    packed = gzip.compress(body)
    if cut is not None:
        packed = packed[: min(cut, len(packed) - 1)]
    fuzz_target.send("POST", "/v1/logs", packed, role=Role.AGENT, content_type=content_type,
                     headers={"content-encoding": "gzip"})  # fmt: skip


METRICS: dict[str, Any] = json.loads((CORPUS / "otlp" / "claude_code_metrics.json").read_text())
VALID_METRICS = json_format.Parse(json.dumps(METRICS),
                                  ExportMetricsServiceRequest()).SerializeToString()  # fmt: skip


@st.composite
def spoiled_metrics_protobuf(draw: st.DrawFn) -> bytes:
    body = bytearray(VALID_METRICS)
    if draw(st.booleans()):
        return bytes(body[: draw(st.integers(0, len(body) - 1))])
    for _ in range(draw(st.integers(1, 8))):
        body[draw(st.integers(0, len(body) - 1))] = draw(st.integers(0, 255))
    return bytes(body)


@st.composite
def odd_metrics_export(draw: st.DrawFn) -> bytes:
    """The corpus export with one attribute, data point field or metric field replaced."""
    document = copy.deepcopy(METRICS)
    metric = draw(st.sampled_from(document["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]))
    point = draw(st.sampled_from(metric["sum"]["dataPoints"]))
    odd = st.one_of(json_values, st.sampled_from(UNUSUAL_NUMBERS), odd_text)
    how = draw(st.sampled_from(["attribute", "point", "metric", "kind"]))
    if how == "attribute":
        draw(st.sampled_from(point["attributes"]))["value"] = draw(json_values)
    elif how == "point":
        name = draw(st.sampled_from(["asInt", "asDouble", "timeUnixNano", "startTimeUnixNano",
                                     "flags", "exemplars"]))  # fmt: skip
        point[name] = draw(odd)
    elif how == "metric":
        metric[draw(st.sampled_from(["name", "unit", "sum"]))] = draw(odd)
    else:
        data = metric.pop("sum")
        kind = draw(st.sampled_from(["gauge", "histogram", "exponentialHistogram", "summary"]))
        metric[kind] = {**data, "aggregationTemporality": draw(st.integers(-1, 3))}
    return json.dumps(document).encode()


@FUZZ
@given(body=st.one_of(raw_bodies(), spoiled_metrics_protobuf()))
def test_metrics_protobuf_bodies_are_answered_within_the_contract(fuzz_target, body):
    fuzz_target.send("POST", "/v1/metrics", body, role=Role.AGENT, content_type=PROTOBUF)


@FUZZ
@given(body=st.one_of(raw_bodies(), odd_metrics_export()))
def test_metrics_json_bodies_are_answered_within_the_contract(fuzz_target, body):
    fuzz_target.send("POST", "/v1/metrics", body, role=Role.AGENT)
