"""``POST /v1/logs``, ``/v1/metrics`` and ``/v1/traces``: OTLP/HTTP logs, metrics and traces
(``application/x-protobuf`` or ``application/json``, gzip or not), authenticated with the
agents' ingest keys (``Authorization: Bearer …``, as ``OTEL_EXPORTER_OTLP_HEADERS`` sends it).
The work is ``write_api.otlp.export``; each signal's reading is its own module.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post

from infra.access.guards import requires
from infra.access.principal import Permission
from write_api.app_state import gate_of
from write_api.call import Call
from write_api.openapi import OTLP_LOGS, OTLP_METRICS, OTLP_TRACES, with_body
from write_api.otlp.export import receive_http
from write_api.otlp.logs import LOGS
from write_api.otlp.metrics import METRICS
from write_api.otlp.traces import TRACES
from write_api.responses import as_response


class OtlpController(Controller):
    path = "/v1"
    tags = ["ingest"]
    guards = [requires(Permission.INGEST)]

    @post(
        "/logs",
        summary="Record an OTLP logs export (Claude Code's telemetry events)",
        description=(
            "Body: an OTLP `ExportLogsServiceRequest`, protobuf (`application/x-protobuf`) or "
            "OTLP/JSON (`application/json`), optionally `Content-Encoding: gzip`. Each log "
            "record with a `session.id` becomes an event of that agent session; the answer "
            "(200, after commit) is an `ExportLogsServiceResponse` in the request's encoding, "
            "whose `partialSuccess` counts the records rejected and says why."
        ),
        status_code=200,
        operation_class=with_body(OTLP_LOGS),
    )
    async def export_logs(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return as_response(
            await receive_http(gate_of(request), Call(request.scope, request.receive), LOGS)
        )

    @post(
        "/metrics",
        summary="Record an OTLP metrics export (Claude Code's counters)",
        description=(
            "Body: an OTLP `ExportMetricsServiceRequest`, protobuf (`application/x-protobuf`) "
            "or OTLP/JSON (`application/json`), optionally `Content-Encoding: gzip`. Each data "
            "point (sum, gauge, histogram) with a `session.id` becomes an event of that agent "
            "session, recording what it adds whether the exporter's temporality is delta or "
            "cumulative; the answer (200, after commit) is an `ExportMetricsServiceResponse` "
            "in the request's encoding, whose `partialSuccess` counts the data points rejected "
            "and says why."
        ),
        status_code=200,
        operation_class=with_body(OTLP_METRICS),
    )
    async def export_metrics(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return as_response(
            await receive_http(gate_of(request), Call(request.scope, request.receive), METRICS)
        )

    @post(
        "/traces",
        summary="Record an OTLP traces export (Claude Code's and any GenAI agent's spans)",
        description=(
            "Body: an OTLP `ExportTraceServiceRequest`, protobuf (`application/x-protobuf`) or "
            "OTLP/JSON (`application/json`), optionally `Content-Encoding: gzip`. Each span "
            "becomes an event of its agent session (`session.id`, `gen_ai.conversation.id`… "
            "else the session another span of its trace names, else `trace-<traceId>`): model "
            "spans are model calls, tool spans join the tool hooks by `tool_use_id` (see "
            "docs/otlp.md). The answer (200, after commit) is an `ExportTraceServiceResponse` "
            "in the request's encoding, whose `partialSuccess` counts the spans rejected."
        ),
        status_code=200,
        operation_class=with_body(OTLP_TRACES),
    )
    async def export_traces(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return as_response(
            await receive_http(gate_of(request), Call(request.scope, request.receive), TRACES)
        )
