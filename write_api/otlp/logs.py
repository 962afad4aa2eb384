"""The OTLP logs signal: each log record an event of its agent session (Claude Code's events).

The steps every export goes through are ``write_api.otlp.export``'s; this module reads an
``ExportLogsServiceRequest`` into facts and payloads, and words its partial success.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord

from domain.sessions.errors import TelemetryRecordInvalidError
from domain.sessions.telemetry import TelemetryFacts
from write_api.otlp.decoding import attributes, value
from write_api.otlp.export import Read

ENDPOINT = "/v1/logs"
SOURCE = "otlp-logs"


class LogsSignal:
    endpoint = ENDPOINT
    source = SOURCE
    request = ExportLogsServiceRequest

    def read(self, export: ExportLogsServiceRequest) -> Read:
        read = Read()
        for resource_logs in export.resource_logs:
            resource = attributes(resource_logs.resource.attributes)
            for scope_logs in resource_logs.scope_logs:
                scope = {"name": scope_logs.scope.name, "version": scope_logs.scope.version}
                for record in scope_logs.log_records:
                    payload = _payload(record, resource, scope)
                    try:
                        facts = TelemetryFacts.from_record(
                            payload["attributes"], resource, body=payload["body"],
                            time_unix_nano=record.time_unix_nano
                            or record.observed_time_unix_nano,
                        )  # fmt: skip
                    except TelemetryRecordInvalidError as error:
                        read.reject("; ".join(error.problems))
                        continue
                    read.records.append((facts, payload))
        return read

    def response(self, read: Read) -> ExportLogsServiceResponse:
        response = ExportLogsServiceResponse()
        if read.rejected:
            response.partial_success.rejected_log_records = read.rejected
            response.partial_success.error_message = (
                f"{read.rejected} log record(s) rejected, the others recorded; "
                f"first: {read.first_problem}"
            )
        return response


LOGS = LogsSignal()


def _payload(record: LogRecord, resource: dict[str, Any], scope: dict[str, str]) -> dict[str, Any]:
    """The whole record as the event keeps it (ids in hex, as OTLP/JSON writes them)."""
    return {
        "body": value(record.body) if record.HasField("body") else None,
        "attributes": attributes(record.attributes),
        "resource": resource,
        "scope": scope,
        "time_unix_nano": record.time_unix_nano,
        "observed_time_unix_nano": record.observed_time_unix_nano,
        "severity_number": record.severity_number,
        "severity_text": record.severity_text,
        "trace_id": record.trace_id.hex() or None,
        "span_id": record.span_id.hex() or None,
    }
