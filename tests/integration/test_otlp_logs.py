"""POST /v1/logs: Claude Code's OTLP log events become events of their agent session.

Requests are built as exporters build them: the official protobuf classes (opentelemetry-proto)
for ``application/x-protobuf``, OTLP/JSON for ``application/json`` (the corpus file), gzip or
not. Every answer is checked against the OTLP specification's.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.protobuf import json_format
from litestar.testing import TestClient
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)

from commands.store.application import EventStoreApplication
from domain.audit.chain import verify_chain
from domain.sessions.aggregate import AgentSession
from domain.sessions.values import session_stream_id
from infra.access.principal import Role
from infra.access.tokens import signer_for
from tests.conftest import CORPUS, S1
from workers.bootstrap.api import api_app

LOGS = "/v1/logs"
PROTOBUF = {"content-type": "application/x-protobuf"}
JSON = {"content-type": "application/json"}
CORPUS_FILE = CORPUS / "otlp" / "claude_code_logs.json"


def corpus_export() -> ExportLogsServiceRequest:
    """The corpus file (OTLP/JSON, ids in hex) as the protobuf message an SDK would build."""
    return json_format.Parse(CORPUS_FILE.read_text(), ExportLogsServiceRequest())


def session_events(store: EventStoreApplication, session_id: str = S1["id"]) -> list[Any]:
    return list(store.events.get(session_stream_id("default", session_id)))


def test_a_protobuf_export_records_each_claude_code_event_in_its_session(client, store):
    response = client.post(LOGS, content=corpus_export().SerializeToString(), headers=PROTOBUF)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-protobuf"
    answer = ExportLogsServiceResponse.FromString(response.content)
    assert not answer.HasField("partial_success")
    opened, *events = session_events(store)
    assert isinstance(opened, AgentSession.Opened)
    assert [e.event_name for e in events] == [
        "claude_code.user_prompt", "claude_code.api_request", "claude_code.tool_decision",
        "claude_code.tool_result", "claude_code.api_request", "claude_code.user_prompt",
        "claude_code.api_error", "claude_code.api_request",
    ]  # fmt: skip
    first_call = events[1]
    assert isinstance(first_call, AgentSession.ModelCallRecorded)
    assert (first_call.model, first_call.cost_usd, first_call.duration_ms) == (
        "claude-opus-4-5-20251101", 0.0842715, 4391.0,
    )  # fmt: skip
    assert (first_call.input_tokens, first_call.output_tokens, first_call.cache_read_tokens,
            first_call.cache_creation_tokens) == (1204, 612, 18240, 3310)  # fmt: skip
    assert first_call.prompt_id == "b71c0d2e-5f4a-4e39-9a61-2d8c7e1f0a93"
    assert first_call.user_id == "5d9e3a17-8c24-4b6f-b0e1-c7a2f9d84e36"
    assert first_call.team == "platform"
    assert first_call.occurred_at == datetime(2026, 8, 18, 9, 12, 14, 903000, UTC)
    error = events[6]
    assert isinstance(error, AgentSession.ModelCallRecorded)
    assert (error.error, error.cost_usd, error.input_tokens) == ("Request timed out", 0.0, 0)
    assert isinstance(events[3], AgentSession.TelemetryObserved)
    kept = json.loads(events[3].payload_json)
    assert kept["attributes"]["tool_use_id"] == "toolu_01Hk3vQ9sPz2LmN8xRt5YwAb"
    assert kept["resource"]["cost_center"] == "eng-123"
    assert int(response.headers["observatory-position"]) == store.recorder.max_notification_id()


def test_personal_values_are_screened_and_sealed_like_every_payload(client, store):
    response = client.post(LOGS, content=corpus_export().SerializeToString(), headers=PROTOBUF)
    assert response.status_code == 200, response.text
    for event in session_events(store)[1:]:
        assert "dana.reyes@example.com" not in event.payload_json
        assert "email" in event.redacted
        assert event.sealed is not None


def test_records_join_the_hooks_of_the_same_session_in_one_hash_chain(client, store):
    hook = (CORPUS / "claude_hooks" / "s1_ledger_api" / "001_SessionStart.json").read_bytes()
    assert client.post("/v1/hooks/claude-code", content=hook).status_code == 200
    response = client.post(LOGS, content=CORPUS_FILE.read_bytes(), headers=JSON)
    assert response.status_code == 200, response.text
    assert client.post("/v1/hooks/claude-code", content=hook).status_code == 200
    events = session_events(store)
    kinds = [type(e).__name__ for e in events]
    assert kinds[:3] == ["Opened", "Started", "TelemetryObserved"]
    assert kinds[-1] == "Started"
    assert len(events) == 1 + 1 + 8 + 1
    assert verify_chain(events).intact


def test_a_json_export_is_answered_in_json_and_gzip_is_inflated(client, store):
    body = gzip.compress(CORPUS_FILE.read_bytes())
    response = client.post(LOGS, content=body, headers={**JSON, "content-encoding": "gzip"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {}
    assert len(session_events(store)) == 9


def test_records_without_a_session_are_rejected_alone_with_a_partial_success(client, store):
    export = corpus_export()
    records = export.resource_logs[0].scope_logs[0].log_records
    for attribute in records[0].attributes:
        if attribute.key == "session.id":
            attribute.value.string_value = ""
    for attribute in records[1].attributes:
        if attribute.key == "input_tokens":
            attribute.value.string_value = "lots"
    response = client.post(LOGS, content=export.SerializeToString(), headers=PROTOBUF)
    assert response.status_code == 200, response.text
    partial = ExportLogsServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_log_records == 2
    assert "session.id: required" in partial.error_message
    assert len(session_events(store)) == 1 + 6


def test_an_export_with_nothing_to_record_records_nothing(client, store):
    export = ExportLogsServiceRequest()
    export.resource_logs.add().scope_logs.add().log_records.add().body.string_value = "hello"
    response = client.post(LOGS, content=export.SerializeToString(), headers=PROTOBUF)
    assert response.status_code == 200, response.text
    assert (
        ExportLogsServiceResponse.FromString(response.content).partial_success.rejected_log_records
        == 1
    )
    assert not store.recorder.max_notification_id()


@pytest.mark.parametrize(
    ("body", "headers", "status", "reason"),
    [
        (b"\x0a\xff\xff\xff\xff\x0f", PROTOBUF, 400, "invalid_otlp"),
        (b'{"resourceLogs": 3}', JSON, 400, "invalid_otlp"),
        (b'{"resourceLogs": [], "resourceLogs": []}', JSON, 400, "duplicate_keys"),
        (b"{", JSON, 400, "invalid_json"),
        (b'{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"xyz"}]}]}]}', JSON, 400,
         "invalid_otlp"),
        (gzip.compress(b"{}")[:-6], {**JSON, "content-encoding": "gzip"}, 400, "invalid_gzip"),
        (b"{}", {**JSON, "content-encoding": "br"}, 415, "unsupported_encoding"),
        (b"{}", {"content-type": "text/plain"}, 415, "unsupported_media_type"),
        (gzip.compress(b" " * (3 * 1024 * 1024)), {**JSON, "content-encoding": "gzip"}, 413,
         "too_large"),
        (b"\x00" * (3 * 1024 * 1024), PROTOBUF, 413, "too_large"),
    ],
    ids=["protobuf", "json-shape", "duplicate-keys", "json", "trace-id", "truncated-gzip",
         "brotli", "text", "gzip-bomb", "too-large"],
)  # fmt: skip
def test_bad_exports_are_problems_and_record_nothing(client, store, body, headers, status, reason):
    response = client.post(LOGS, content=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["reason"] == reason
    if status == 415 and reason == "unsupported_media_type":
        assert "application/x-protobuf" in response.json()["detail"]
    assert not store.recorder.max_notification_id()


def test_the_agents_ingest_key_is_the_credential(secure_settings, pg_url, store):
    signer = signer_for(secure_settings)
    admin = signer.issue("alice", "default", [Role.ADMIN], timedelta(minutes=5))
    viewer = signer.issue("vic", "default", [Role.VIEWER], timedelta(minutes=5))
    with TestClient(api_app(secure_settings, pg_url), raise_server_exceptions=False) as secure:
        issued = secure.post("/v1/auth/keys", json={"name": "otel", "role": "agent"},
                             headers={"authorization": f"Bearer {admin}"})  # fmt: skip
        key = issued.json()["key"]
        body = corpus_export().SerializeToString()
        assert secure.post(LOGS, content=body, headers=PROTOBUF).status_code == 401
        forbidden = secure.post(LOGS, content=body,
                                headers={**PROTOBUF, "authorization": f"Bearer {viewer}"})  # fmt: skip
        assert forbidden.status_code == 403
        response = secure.post(LOGS, content=body,
                               headers={**PROTOBUF, "authorization": f"Bearer {key}"})  # fmt: skip
        assert response.status_code == 200, response.text
    assert len(session_events(store)) == 9
