"""The OTLP traces signal: each span an event of its agent session (``domain.sessions.spans``).

The steps every export goes through are ``write_api.otlp.export``'s; this module reads an
``ExportTraceServiceRequest`` into the domain's ``SpanRecord``s and payloads, lets the domain
map them (sessions are resolved across the spans of one trace, so the whole export is read at
once), and words its partial success (``rejected_spans``).
"""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from domain.sessions.errors import TelemetryRecordInvalidError
from domain.sessions.spans import SpanRecord, read_spans
from write_api.otlp.decoding import attributes
from write_api.otlp.export import Read

ENDPOINT = "/v1/traces"
SOURCE = "otlp-traces"


class TracesSignal:
    endpoint = ENDPOINT
    source = SOURCE
    request = ExportTraceServiceRequest

    def read(self, export: ExportTraceServiceRequest) -> Read:
        spans: list[SpanRecord] = []
        payloads: list[dict[str, Any]] = []
        for resource_spans in export.resource_spans:
            resource = attributes(resource_spans.resource.attributes)
            for scope_spans in resource_spans.scope_spans:
                scope = {"name": scope_spans.scope.name, "version": scope_spans.scope.version}
                for span in scope_spans.spans:
                    payload = _payload(span, resource, scope)
                    spans.append(
                        SpanRecord(
                            trace_id=payload["trace_id"],
                            span_id=payload["span_id"],
                            name=span.name,
                            attributes=payload["attributes"],
                            resource=resource,
                            parent_span_id=payload["parent_span_id"],
                            start_unix_nano=span.start_time_unix_nano,
                            end_unix_nano=span.end_time_unix_nano,
                            status_code=span.status.code,
                            status_message=span.status.message,
                        )
                    )
                    payloads.append(payload)
        read = Read()
        for facts, payload in zip(read_spans(spans), payloads, strict=True):
            if isinstance(facts, TelemetryRecordInvalidError):
                read.reject("; ".join(facts.problems))
            else:
                read.records.append((facts, payload))
        return read

    def response(self, read: Read) -> ExportTraceServiceResponse:
        response = ExportTraceServiceResponse()
        if read.rejected:
            response.partial_success.rejected_spans = read.rejected
            response.partial_success.error_message = (
                f"{read.rejected} span(s) rejected, the others recorded; "
                f"first: {read.first_problem}"
            )
        return response


TRACES = TracesSignal()


def _payload(span: Span, resource: dict[str, Any], scope: dict[str, str]) -> dict[str, Any]:
    """The whole span as the event keeps it (ids in hex, as OTLP/JSON writes them)."""
    return {
        "name": span.name,
        "kind": span.kind,
        "trace_id": span.trace_id.hex(),
        "span_id": span.span_id.hex(),
        "parent_span_id": span.parent_span_id.hex() or None,
        "start_time_unix_nano": span.start_time_unix_nano,
        "end_time_unix_nano": span.end_time_unix_nano,
        "status": {"code": span.status.code, "message": span.status.message},
        "attributes": attributes(span.attributes),
        "events": [
            {
                "name": e.name,
                "time_unix_nano": e.time_unix_nano,
                "attributes": attributes(e.attributes),
            }
            for e in span.events
        ],
        "resource": resource,
        "scope": scope,
    }
