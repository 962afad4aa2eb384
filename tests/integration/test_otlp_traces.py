"""POST /v1/traces: agents' spans become events of their session, through the real server.

Requests are built as exporters build them (the corpus's OTLP/JSON, the protobuf classes, and
the OpenTelemetry SDK's own OTLP/HTTP exporter); answers are checked against the OTLP
specification's. A tool span joins the tool hooks of its call by ``tool_use_id``: hooks then
spans and spans then hooks give the same GraphQL answer.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from commands.store.application import EventStoreApplication
from domain.audit.chain import verify_chain
from domain.sessions.aggregate import AgentSession
from domain.sessions.values import session_stream_id
from tests.conftest import CORPUS, S1, session_files
from workers.bootstrap.projections import PROJECTIONS
from workers.bootstrap.projectors import runner

TRACES = "/v1/traces"
PROTOBUF = {"content-type": "application/x-protobuf"}
JSON = {"content-type": "application/json"}
GENAI = CORPUS / "otlp" / "01_invoke_agent_anthropic_chat_and_tool.json"
MIXED = CORPUS / "otlp" / "04_openinference_and_openllmetry_mixed.json"
SONNET = "claude-sonnet-4-5-20250929"


def export_of(path: Any) -> ExportTraceServiceRequest:
    """A corpus file (OTLP/JSON, ids in hex) as the protobuf message an SDK would build
    (protobuf's own JSON mapping reads ids as base64)."""
    document = json.loads(path.read_text())
    for resource in document["resourceSpans"]:
        for scope in resource["scopeSpans"]:
            for span in scope["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if span.get(key):
                        span[key] = base64.b64encode(bytes.fromhex(span[key])).decode()
    return json_format.ParseDict(document, ExportTraceServiceRequest())


def session_events(store: EventStoreApplication, session_id: str) -> list[Any]:
    return list(store.events.get(session_stream_id("default", session_id)))


def test_a_protobuf_export_records_each_span_in_its_session(client, store):
    body = export_of(GENAI).SerializeToString()
    response = client.post(TRACES, content=body, headers=PROTOBUF)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-protobuf"
    assert not ExportTraceServiceResponse.FromString(response.content).HasField("partial_success")
    opened, agent, chat, tool, chat2 = session_events(store, "conv_5f0c2a")
    assert isinstance(opened, AgentSession.Opened)
    assert isinstance(agent, AgentSession.SpanRecorded)
    assert (agent.span_kind, agent.agent_name, agent.agent_id) == ("agent", "DocsAgent",
                                                                   "agt_docs_01")  # fmt: skip
    assert isinstance(chat, AgentSession.ModelSpanRecorded)
    assert (chat.model, chat.input_tokens, chat.cache_read_tokens, chat.output_tokens) == (
        SONNET, 1840 - 1024, 1024, 212,
    )  # fmt: skip
    assert (chat.trace_id, chat.parent_span_id, chat.provider) == (
        "91afa3c8303ed809fcb994701495e98a", agent.span_id, "anthropic",
    )  # fmt: skip
    assert isinstance(tool, AgentSession.SpanRecorded)
    assert (tool.tool_name, tool.tool_use_id, tool.duration_ms) == (
        "search_docs", "toolu_01PfOgcSGZJHJCR8GCirk5lw", 700.0,
    )  # fmt: skip
    kept = json.loads(tool.payload_json)
    assert kept["attributes"]["gen_ai.tool.type"] == "function"
    assert kept["resource"]["service.name"] == "docs-agent"
    assert isinstance(chat2, AgentSession.ModelSpanRecorded)
    assert int(response.headers["observatory-position"]) == store.recorder.max_notification_id()
    assert verify_chain(session_events(store, "conv_5f0c2a")).intact


def test_a_gzipped_json_export_of_two_conventions_is_answered_in_json(client, store):
    body = gzip.compress(MIXED.read_bytes())
    response = client.post(TRACES, content=body, headers={**JSON, "content-encoding": "gzip"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {}
    assert len(session_events(store, "sess-4412")) == 1 + 3
    assert len(session_events(store, "trace-00d7721699cc1bb553e25b9a238a026c")) == 1 + 3


def test_a_mistyped_span_is_rejected_alone_with_a_partial_success(client, store):
    export = export_of(GENAI)
    spans = export.resource_spans[0].scope_spans[0].spans
    for attribute in spans[1].attributes:
        if attribute.key == "gen_ai.usage.input_tokens":
            attribute.value.string_value = "lots"
    spans[2].trace_id = b""
    response = client.post(TRACES, content=export.SerializeToString(), headers=PROTOBUF)
    assert response.status_code == 200, response.text
    partial = ExportTraceServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_spans == 2
    assert "gen_ai.usage.input_tokens: expected a number" in partial.error_message
    assert len(session_events(store, "conv_5f0c2a")) == 1 + 2


def test_an_export_with_nothing_to_record_records_nothing(client, store):
    export = ExportTraceServiceRequest()
    export.resource_spans.add().scope_spans.add().spans.add().name = "no ids"
    response = client.post(TRACES, content=export.SerializeToString(), headers=PROTOBUF)
    assert response.status_code == 200, response.text
    answer = ExportTraceServiceResponse.FromString(response.content)
    assert answer.partial_success.rejected_spans == 1
    assert not store.recorder.max_notification_id()


@pytest.mark.parametrize(
    ("body", "headers", "status", "reason"),
    [
        (b"\x0a\xff\xff\xff\xff\x0f", PROTOBUF, 400, "invalid_otlp"),
        (b'{"resourceSpans": 3}', JSON, 400, "invalid_otlp"),
        (b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"parentSpanId":"xyz"}]}]}]}', JSON, 400,
         "invalid_otlp"),
        (b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"ab"}]}]}]}', JSON, 400,
         "invalid_otlp"),
        (b'{"resourceSpans": [], "resourceSpans": []}', JSON, 400, "duplicate_keys"),
        (gzip.compress(GENAI.read_bytes())[:-9], {**JSON, "content-encoding": "gzip"}, 400,
         "invalid_gzip"),
        (b"{}", {"content-type": "text/plain"}, 415, "unsupported_media_type"),
        (b"\x00" * (3 * 1024 * 1024), PROTOBUF, 413, "too_large"),
    ],
    ids=["protobuf", "json-shape", "parent-id", "trace-id", "duplicate-keys", "truncated-gzip",
         "text", "too-large"],
)  # fmt: skip
def test_bad_exports_are_problems_and_record_nothing(client, store, body, headers, status, reason):
    response = client.post(TRACES, content=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["reason"] == reason
    assert not store.recorder.max_notification_id()


USAGE = """{ usage(since: "2026-08-01T00:00:00Z", until: "2026-09-01T00:00:00Z", by: MODEL) {
  key calls inputTokens outputTokens cacheReadTokens costUsd } }"""


def test_model_spans_are_counted_once_in_usage(client, settings, pg_url, store):
    assert client.post(TRACES, content=GENAI.read_bytes(), headers=JSON).status_code == 200
    projector, conn = runner(PROJECTIONS["usage"], settings, pg_url, store, parked=False)
    with conn:
        projector.catch_up()
    body = client.post("/graphql", json={"query": USAGE}).json()
    assert "errors" not in body, body
    (row,) = body["data"]["usage"]
    # two chat spans; the invoke_agent span's repeated totals are not a third call
    assert row == {"key": SONNET, "calls": 2, "inputTokens": 1840 + 2110 - 2048,
                   "outputTokens": 212 + 286, "cacheReadTokens": 2048, "costUsd": 0.0}  # fmt: skip


BASH, READ = "toolu_01Z8lTHp7zlclU4OEgqEMMtm", "toolu_0160yPcKiRvgq1GZbyb5uNck"
HOOKS = [
    {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_use_id": BASH,
     "tool_input": {"command": "git push --force origin main"}},
    {"hook_event_name": "PreToolUse", "tool_name": "Read", "tool_use_id": READ,
     "tool_input": {"file_path": "/src/refunds.py"}},
    {"hook_event_name": "PostToolUse", "tool_name": "Read", "tool_use_id": READ,
     "tool_input": {"file_path": "/src/refunds.py"}, "tool_response": {}, "duration_ms": 12},
]  # fmt: skip
CALLS = """query($id: String!) { session(id: $id) { toolCallCount toolCalls {
  toolUseId toolName status durationMs decision decisionRule decisionSource
  span { traceId spanId durationMs status } } } }"""


def claude_code_spans(session: str) -> bytes:
    """Claude Code's beta tool spans for the two calls (the Bash one rejected)."""

    def span(span_id: str, tool: str, call: str, ms: int, code: int) -> dict[str, Any]:
        return {
            "traceId": "5" * 32,
            "spanId": span_id,
            "name": "claude_code.tool",
            "startTimeUnixNano": "1787044324000000000",
            "endTimeUnixNano": str(1787044324000000000 + ms * 10**6),
            "status": {"code": code},
            "attributes": [
                {"key": k, "value": {"stringValue": v}}
                for k, v in {
                    "session.id": session,
                    "tool_name": tool,
                    "tool_use_id": call,
                    "gen_ai.tool.call.id": call,
                    "span.type": "tool",
                }.items()
            ],
        }

    spans = [span("6" * 16, "Bash", BASH, 3, 2), span("7" * 16, "Read", READ, 15, 1)]
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}).encode()  # fmt: skip


def send_hooks(client: Any, session: str) -> None:
    for hook in HOOKS:
        response = client.post("/v1/hooks/claude-code", json={"session_id": session, **hook})
        assert response.status_code == 200, response.text


def send_spans(client: Any, session: str) -> None:
    response = client.post(TRACES, content=claude_code_spans(session), headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json() == {}


def test_tool_spans_join_the_hooks_in_whichever_order_they_arrive(client, timeline):
    send_hooks(client, "hooks-first")
    send_spans(client, "hooks-first")
    send_spans(client, "spans-first")
    send_hooks(client, "spans-first")
    timeline.catch_up()
    answers = {}
    for session in ("hooks-first", "spans-first"):
        body = client.post("/graphql", json={"query": CALLS, "variables": {"id": session}}).json()
        assert "errors" not in body, body
        answers[session] = body["data"]["session"]
    assert answers["hooks-first"] == answers["spans-first"]
    session = answers["hooks-first"]
    assert session["toolCallCount"] == 2
    calls = {c["toolUseId"]: c for c in session["toolCalls"]}
    bash, read = calls[BASH], calls[READ]
    assert (bash["status"], bash["decision"], bash["decisionSource"]) == ("DENIED", "deny",
                                                                          "GUARDRAIL")  # fmt: skip
    assert bash["decisionRule"]
    assert bash["span"] == {"traceId": "5" * 32, "spanId": "6" * 16, "durationMs": 3.0,
                            "status": "ERROR"}  # fmt: skip
    assert (read["status"], read["durationMs"], read["decision"]) == ("SUCCEEDED", 12.0, None)
    assert read["span"] == {"traceId": "5" * 32, "spanId": "7" * 16, "durationMs": 15.0,
                            "status": "OK"}  # fmt: skip


def test_the_opentelemetry_sdks_http_exporter_is_understood(live_server, store):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult

    exporter = OTLPSpanExporter(endpoint=f"{live_server.base_url}{TRACES}")
    results: list[SpanExportResult] = []
    original = exporter.export
    exporter.export = lambda spans: results.append(original(spans)) or results[-1]  # type: ignore[method-assign]
    provider = TracerProvider(resource=Resource.create({"service.name": "sdk-agent"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("invoke_agent Helper") as agent:
        agent.set_attribute("gen_ai.operation.name", "invoke_agent")
        agent.set_attribute("gen_ai.conversation.id", "sdk-conv")
        with tracer.start_as_current_span("chat m") as chat:
            chat.set_attribute("gen_ai.operation.name", "chat")
            chat.set_attribute("gen_ai.request.model", "m")
            chat.set_attribute("gen_ai.usage.input_tokens", 30)
            chat.set_attribute("gen_ai.usage.output_tokens", 4)
    provider.shutdown()
    assert results == [SpanExportResult.SUCCESS, SpanExportResult.SUCCESS]
    # the chat span ended (and was exported) first, alone: its session is its trace's
    chat_session = session_events(store, f"trace-{chat.get_span_context().trace_id:032x}")
    (_, model_call) = chat_session
    assert isinstance(model_call, AgentSession.ModelSpanRecorded)
    assert (model_call.model, model_call.input_tokens, model_call.output_tokens) == ("m", 30, 4)
    (_, agent_span) = session_events(store, "sdk-conv")
    assert isinstance(agent_span, AgentSession.SpanRecorded)


CLAUDE_CODE = CORPUS / "otlp" / "claude_code_traces.json"
SESSION = """query($id: String!) { session(id: $id) { toolCalls {
  toolUseId toolName status decision span { durationMs status } } } }"""


def test_the_corpus_session_with_its_claude_code_traces_shows_tokens_and_tool_spans(
    client, timeline, settings, pg_url, store
):
    for path in session_files():
        assert client.post("/v1/hooks/claude-code", content=path.read_bytes()).status_code == 200
    response = client.post(TRACES, content=CLAUDE_CODE.read_bytes(), headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json() == {}
    timeline.catch_up()
    projector, conn = runner(PROJECTIONS["usage"], settings, pg_url, store, parked=False)
    with conn:
        projector.catch_up()
    body = client.post("/graphql", json={"query": SESSION, "variables": {"id": S1["id"]}}).json()
    assert "errors" not in body, body
    calls = {c["toolUseId"]: c for c in body["data"]["session"]["toolCalls"]}
    assert calls[READ]["span"] == {"durationMs": 52.0, "status": "UNSET"}
    assert calls[READ]["status"] == "SUCCEEDED"
    assert (calls[BASH]["status"], calls[BASH]["decision"]) == ("DENIED", "deny")
    assert calls[BASH]["span"] == {"durationMs": 57.0, "status": "ERROR"}
    assert sum(1 for c in calls.values() if c["span"]) == 2
    usage = """{ usage(since: "2026-08-01T00:00:00Z", until: "2026-09-01T00:00:00Z",
      by: SESSION) { key calls inputTokens outputTokens cacheReadTokens cacheCreationTokens } }"""
    (row,) = client.post("/graphql", json={"query": usage}).json()["data"]["usage"]
    assert row == {"key": S1["id"], "calls": 2, "inputTokens": 1204 + 2210,
                   "outputTokens": 612 + 1480, "cacheReadTokens": 18240 + 21550,
                   "cacheCreationTokens": 3310 + 1120}  # fmt: skip
