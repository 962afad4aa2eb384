"""The OTLP metrics signal: each data point an event of its agent session (Claude Code's
``claude_code.*`` counters).

The steps every export goes through are ``write_api.otlp.export``'s; this module reads an
``ExportMetricsServiceRequest`` into facts and payloads, one per data point, and words its
partial success. Sums and gauges (int or double) and histograms (exponential ones too, by their
count and sum) are read; a summary, a sum of unspecified temporality, a point without a time or
a value, and a point without ``session.id`` are rejected alone and counted in
``rejected_data_points``. What a point *adds* (delta or cumulative) is decided by its session
aggregate in the writer (``domain.sessions.metrics``), which alone knows the series' last point.
"""

from __future__ import annotations

import math
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    AggregationTemporality,
    DataPointFlags,
    Metric,
)

from domain.sessions.errors import TelemetryRecordInvalidError
from domain.sessions.metrics import GAUGE, HISTOGRAM, SUM, read_point
from domain.sessions.telemetry import point_facts
from write_api.otlp.decoding import attributes
from write_api.otlp.export import Read

ENDPOINT = "/v1/metrics"
SOURCE = "otlp-metrics"

_TEMPORALITY = {
    AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA: "delta",
    AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE: "cumulative",
}
_NO_VALUE = DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK


class MetricsSignal:
    endpoint = ENDPOINT
    source = SOURCE
    request = ExportMetricsServiceRequest

    def read(self, export: ExportMetricsServiceRequest) -> Read:
        read = Read()
        for resource_metrics in export.resource_metrics:
            resource = attributes(resource_metrics.resource.attributes)
            for scope_metrics in resource_metrics.scope_metrics:
                scope = {"name": scope_metrics.scope.name,
                         "version": scope_metrics.scope.version}  # fmt: skip
                for metric in scope_metrics.metrics:
                    _read_metric(metric, resource, scope, read)
        return read

    def response(self, read: Read) -> ExportMetricsServiceResponse:
        response = ExportMetricsServiceResponse()
        if read.rejected:
            response.partial_success.rejected_data_points = read.rejected
            response.partial_success.error_message = (
                f"{read.rejected} data point(s) rejected, the others recorded; "
                f"first: {read.first_problem}"
            )
        return response


METRICS = MetricsSignal()


def _read_metric(metric: Metric, resource: dict[str, Any], scope: dict[str, str],
                 read: Read) -> None:  # fmt: skip
    """Every data point of one metric into ``read`` (recorded or rejected)."""
    kind = metric.WhichOneof("data")
    if kind in ("summary", None):
        points = len(metric.summary.data_points) if kind else 0
        for _ in range(points):
            read.reject(f"{metric.name}: summary data points are not recorded")
        return
    data = getattr(metric, kind)
    temporality = None if kind == "gauge" else _TEMPORALITY.get(data.aggregation_temporality)
    monotonic = kind == "sum" and bool(data.is_monotonic)
    for point in data.data_points:
        point_attributes = attributes(point.attributes)
        payload: dict[str, Any] = {
            "metric": metric.name, "description": metric.description, "unit": metric.unit,
            "kind": kind, "temporality": temporality, "monotonic": monotonic,
            "attributes": point_attributes, "resource": resource, "scope": scope,
            "start_time_unix_nano": point.start_time_unix_nano,
            "time_unix_nano": point.time_unix_nano, "flags": point.flags,
        }  # fmt: skip
        problems: list[str] = []
        if kind != "gauge" and temporality is None:
            problems.append(f"{metric.name}: aggregation temporality unspecified")
        if not point.time_unix_nano:
            problems.append(f"{metric.name}: time_unix_nano: required")
        if point.flags & _NO_VALUE:
            problems.append(f"{metric.name}: the data point has no recorded value")
        number, count = _numbers(kind, point, payload, problems)
        typed = read_point(
            metric.name, point_attributes, resource, kind=_KINDS[kind], unit=metric.unit,
            value=number, count=count, cumulative=temporality == "cumulative", monotonic=monotonic,
            start_unix_nano=point.start_time_unix_nano, time_unix_nano=point.time_unix_nano,
            problems=problems,
        )  # fmt: skip
        try:
            facts = point_facts(typed, point_attributes, resource, problems)
        except TelemetryRecordInvalidError as error:
            read.reject("; ".join(error.problems))
            continue
        read.records.append((facts, payload))


_KINDS = {"sum": SUM, "gauge": GAUGE, "histogram": HISTOGRAM,
          "exponential_histogram": HISTOGRAM}  # fmt: skip


def _numbers(kind: str, point: Any, payload: dict[str, Any],
             problems: list[str]) -> tuple[float, int | None]:  # fmt: skip
    """The point's value (a histogram's sum) and count, also written into its payload."""
    if kind in ("sum", "gauge"):
        which = point.WhichOneof("value")
        if which is None:
            problems.append(f"{payload['metric']}: the data point has no value")
            return 0.0, None
        number = float(getattr(point, which))
        payload["value"] = point.as_int if which == "as_int" else value_of_double(number)
        return number, None
    payload.update(count=point.count, sum=value_of_double(point.sum) if point.HasField("sum")
                   else None)  # fmt: skip
    if kind == "histogram":
        payload.update(
            bucket_counts=list(point.bucket_counts),
            explicit_bounds=[value_of_double(b) for b in point.explicit_bounds],
        )
    if point.count > 2**53:
        problems.append(f"{payload['metric']}: count: larger than 2**53")
    return (point.sum if point.HasField("sum") else 0.0), int(point.count)


def value_of_double(number: float) -> float | str:
    """A double as JSON can hold it (NaN and infinities as text, as ``decoding.value`` does)."""
    return number if math.isfinite(number) else str(number)
