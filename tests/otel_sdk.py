"""Telemetry made by the OpenTelemetry Python SDK itself, for tests that send it with the SDK's
own OTLP exporters: Claude Code's log events (the corpus file's records, emitted through the
SDK's ``Logger`` with Claude Code's resource and scope), and helpers shared by the exporters'
tests.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from google.protobuf import json_format
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource

from tests.conftest import CORPUS
from write_api.otlp.decoding import attributes, value

CLAUDE_CODE_LOGS = CORPUS / "otlp" / "claude_code_logs.json"
EVENT_NAMES = [
    "claude_code.user_prompt", "claude_code.api_request", "claude_code.tool_decision",
    "claude_code.tool_result", "claude_code.api_request", "claude_code.user_prompt",
    "claude_code.api_error", "claude_code.api_request",
]  # fmt: skip
"""The corpus file's records, in order."""


def claude_code_log_records() -> list[ReadableLogRecord]:
    """The corpus's Claude Code events as the SDK hands them to an exporter."""
    corpus = json_format.Parse(CLAUDE_CODE_LOGS.read_text(), ExportLogsServiceRequest())
    (resource_logs,) = corpus.resource_logs
    (scope_logs,) = resource_logs.scope_logs
    collected = InMemoryLogRecordExporter()
    provider = LoggerProvider(
        resource=Resource.create(attributes(resource_logs.resource.attributes))
    )
    provider.add_log_record_processor(SimpleLogRecordProcessor(collected))
    logger = provider.get_logger(scope_logs.scope.name, scope_logs.scope.version)
    for record in scope_logs.log_records:
        logger.emit(
            timestamp=record.time_unix_nano, observed_timestamp=record.observed_time_unix_nano,
            severity_number=SeverityNumber(record.severity_number),
            severity_text=record.severity_text, body=value(record.body),
            attributes=attributes(record.attributes),
        )  # fmt: skip
    provider.shutdown()
    return list(collected.get_finished_logs())


def as_otlp_json(records: list[ReadableLogRecord]) -> bytes:
    """The SDK's own export request for ``records`` in OTLP/JSON: the Python SDK has no JSON
    exporter, so its protobuf request is written with protobuf's JSON mapping, trace and span
    ids turned from base64 into the hex OTLP/JSON requires."""
    document = json_format.MessageToDict(encode_logs(records))
    return json.dumps(_hex_ids(document)).encode()


def _hex_ids(node: Any) -> Any:
    if isinstance(node, list):
        return [_hex_ids(item) for item in node]
    if isinstance(node, dict):
        return {
            key: base64.b64decode(item).hex() if key in ("traceId", "spanId") else _hex_ids(item)
            for key, item in node.items()
        }
    return node
