"""Telemetry made by the OpenTelemetry Python SDK itself, for tests that send it with the SDK's
own OTLP exporters: Claude Code's log events (the corpus file's records, emitted through the
SDK's ``Logger`` with Claude Code's resource and scope), and the running server those tests
export to (``Running``).
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from google.protobuf import json_format
from google.protobuf.message import Message
from opentelemetry._logs import SeverityNumber
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource

from infra.access.principal import Role
from infra.access.tokens import signer_for
from infra.settings import Settings
from tests.conftest import CORPUS
from tests.live import LiveServer
from write_api.otlp.decoding import attributes, value

CLAUDE_CODE_LOGS = CORPUS / "otlp" / "claude_code_logs.json"
EVENT_NAMES = [
    "claude_code.user_prompt", "claude_code.api_request", "claude_code.tool_decision",
    "claude_code.tool_result", "claude_code.api_request", "claude_code.user_prompt",
    "claude_code.api_error", "claude_code.api_request",
]  # fmt: skip
"""The corpus file's records, in order."""
HOOK = (CORPUS / "claude_hooks" / "s1_ledger_api" / "001_SessionStart.json").read_bytes()
"""A hook of the session the corpus's telemetry belongs to."""

E = TypeVar("E")


class Running:
    """A live server with OTLP/gRPC on (``settings.otlp_grpc_port``), authentication on, an
    agent key for the exporters and a viewer token for GraphQL."""

    def __init__(self, settings: Settings, pg_url: str) -> None:
        self.settings = settings
        self.server = LiveServer(settings, pg_url)
        self.grpc_endpoint = f"http://127.0.0.1:{settings.otlp_grpc_port}"
        signer = signer_for(settings)
        admin = signer.issue("alice", "default", [Role.ADMIN], timedelta(minutes=5))
        self.viewer = signer.issue("vic", "default", [Role.VIEWER], timedelta(minutes=5))
        self.http = httpx.Client(base_url=self.server.base_url, timeout=30)
        issued = self.http.post("/v1/auth/keys", json={"name": "otel", "role": "agent"},
                                headers={"authorization": f"Bearer {admin}"})  # fmt: skip
        assert issued.status_code == 201, issued.text
        self.key = issued.json()["key"]
        self.agent = {"authorization": f"Bearer {self.key}"}

    def hook(self) -> None:
        response = self.http.post("/v1/hooks/claude-code", content=HOOK, headers=self.agent)
        assert response.status_code == 200, response.text

    def over_grpc(self, exporter: type[E], **options: Any) -> E:
        """An SDK OTLP/gRPC exporter (logs, spans or metrics) aimed at this server."""
        return exporter(endpoint=self.grpc_endpoint, insecure=True, headers=self.agent,
                        **options)  # fmt: skip

    def over_http(self, exporter: type[E], path: str, **options: Any) -> E:
        """An SDK OTLP/HTTP protobuf exporter aimed at ``path`` (``/v1/logs``…)."""
        return exporter(endpoint=self.server.base_url + path, headers=self.agent, **options)

    def stop(self) -> None:
        self.http.close()
        self.server.stop()


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


def as_otlp_json(request: Message) -> bytes:
    """An SDK's export request (``encode_logs(records)``…) in OTLP/JSON: the Python SDK has no
    JSON exporter, so its protobuf request is written with protobuf's JSON mapping, trace and
    span ids turned from base64 into the hex OTLP/JSON requires."""
    return json.dumps(_hex_ids(json_format.MessageToDict(request))).encode()


def _hex_ids(node: Any) -> Any:
    if isinstance(node, list):
        return [_hex_ids(item) for item in node]
    if isinstance(node, dict):
        return {
            key: base64.b64decode(item).hex()
            if key in ("traceId", "spanId", "parentSpanId")
            else _hex_ids(item)
            for key, item in node.items()
        }
    return node
