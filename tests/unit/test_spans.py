"""Trace spans as telemetry of their session (``domain.sessions.spans``, ``TRACES.read``):
every corpus sample with the manifest's expected record, each convention, old and new
attribute names, sessions resolved per trace, and a mistyped span rejected alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from commands.ingest.messages import RecordTelemetry, TelemetryItem
from commands.ingest.wire import decode_commands, encode_commands
from domain.sessions.aggregate import AgentSession
from domain.sessions.errors import TelemetryRecordInvalidError
from domain.sessions.spans import SpanRecord, kind_of, read_spans, span_facts
from domain.sessions.telemetry import TelemetryFacts
from tests.conftest import CORPUS, MANIFEST
from write_api.otlp.decoding import JSON, decode
from write_api.otlp.traces import TRACES

TRACE = "91afa3c8303ed809fcb994701495e98a"
OTHER_TRACE = "00d7721699cc1bb553e25b9a238a026c"
AT = datetime(2026, 8, 18, 9, 0, tzinfo=UTC)


def span(name: str = "s", trace: str = TRACE, span_id: str = "4ffd7c4fb9952061",
         **attributes: Any) -> SpanRecord:  # fmt: skip
    return SpanRecord(trace, span_id, name, attributes, start_unix_nano=10**18,
                      end_unix_nano=10**18 + 2_500_000)  # fmt: skip


def facts_of(file: str) -> list[TelemetryFacts]:
    export = decode(ExportTraceServiceRequest, (CORPUS / "otlp" / file).read_bytes(), JSON, 64)
    read = TRACES.read(export)
    assert (read.rejected, read.first_problem) == (0, "")
    return [facts for facts, _ in read.records]


def model_calls(facts: list[TelemetryFacts]) -> list[Any]:
    return [f.usage for f in facts if f.usage is not None]


def entry(file: str) -> dict[str, Any]:
    return next(e for e in MANIFEST["otlp"] if e["file"] == f"otlp/{file}")


def test_a_genai_agent_run_counts_its_chat_spans_once_and_joins_its_tool_call():
    file = "01_invoke_agent_anthropic_chat_and_tool.json"
    facts = facts_of(file)
    assert len(facts) == entry(file)["spans"] == 4
    assert {f.session_id for f in facts} == {"conv_5f0c2a"}
    agent = facts[0].span
    assert agent is not None and (agent.kind, agent.agent_name, agent.agent_id) == (
        "agent", "DocsAgent", "agt_docs_01",
    )  # fmt: skip
    assert facts[0].usage is None  # the invoke_agent span repeats its chats' totals
    calls = model_calls(facts)
    assert len(calls) == 2
    # input, cache excluded (Claude Code's convention) + cache read = the semconv's input
    assert sum(c.input_tokens + c.cache_read_tokens for c in calls) == 1840 + 2110
    assert sum(c.cache_read_tokens for c in calls) == 2048
    assert sum(c.output_tokens for c in calls) == 212 + 286
    assert {c.model for c in calls} == {"claude-sonnet-4-5-20250929"}
    assert {c.cost_usd for c in calls} == {0.0}  # no cost attribute, no price table
    tool = facts[2].span
    assert tool is not None
    assert (tool.kind, tool.tool_name, tool.tool_use_id, tool.status, tool.duration_ms) == (
        "tool", "search_docs", "toolu_01PfOgcSGZJHJCR8GCirk5lw", "UNSET", 700.0,
    )  # fmt: skip
    assert tool.parent_span_id == agent.span_id and tool.provider is None
    assert facts[1].span is not None and facts[1].span.provider == "anthropic"
    assert facts[0].occurred_at == datetime.fromtimestamp(1787044324, UTC)
    # the chat and tool spans under invoke_agent are that agent's
    assert {(f.span.agent_name, f.span.agent_id) for f in facts if f.span} == {
        ("DocsAgent", "agt_docs_01")
    }


def test_openinference_and_openllmetry_in_one_export_map_to_the_same_model():
    file = "04_openinference_and_openllmetry_mixed.json"
    facts = facts_of(file)
    assert len(facts) == entry(file)["spans"] == 6
    openinference, openllmetry = facts[:3], facts[3:]
    assert [f.span.kind for f in openinference if f.span] == ["agent", "llm", "tool"]
    assert [f.span.kind for f in openllmetry if f.span] == ["chain", "tool", "llm"]
    # the agent span names the session; its children take it from their trace
    assert {f.session_id for f in openinference} == {"sess-4412"}
    # no span of the second trace names one: the session is the trace
    assert {f.session_id for f in openllmetry} == {f"trace-{OTHER_TRACE}"}
    (oi_call,) = model_calls(openinference)
    assert (oi_call.model, oi_call.input_tokens, oi_call.output_tokens) == (
        "claude-sonnet-4-5", 702, 44,
    )  # fmt: skip
    (tl_call,) = model_calls(openllmetry)
    assert (tl_call.model, tl_call.input_tokens, tl_call.output_tokens) == (
        "claude-haiku-4-5-20251001", 5120, 301,
    )  # fmt: skip
    assert openllmetry[2].span is not None and openllmetry[2].span.provider == "anthropic"
    assert openinference[2].span is not None
    assert openinference[2].span.tool_name == "web_search"
    assert openllmetry[1].span is not None
    assert openllmetry[1].span.tool_name == "fetch_tickets"
    assert openinference[0].user_id == "u-8812"
    assert {f.span.agent_name for f in openinference if f.span} == {"AgentExecutor"}
    assert {f.span.agent_name for f in openllmetry[1:] if f.span} == {None}  # a workflow


CLAUDE_LLM = {"session.id": "cc-1", "model": "claude-opus-4-5", "input_tokens": "2",
              "output_tokens": 1200, "cache_read_tokens": "84562",
              "cache_creation_tokens": 7096, "success": True, "cost_usd": "0.12",
              "prompt.id": "p-1", "user.account_uuid": "acct-1"}  # fmt: skip


def test_claude_codes_llm_request_is_a_model_call_with_cache_kept_apart():
    facts = span_facts(span("claude_code.llm_request", **CLAUDE_LLM), "cc-1")
    usage = facts.usage
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens,
            usage.cache_creation_tokens, usage.cost_usd) == (2, 1200, 84562, 7096, 0.12)  # fmt: skip
    assert (facts.prompt_id, facts.user_id, usage.duration_ms) == ("p-1", "acct-1", 2.5)
    assert facts.span is not None and facts.span.status == "OK"


def test_claude_codes_tool_span_carries_the_hooks_tool_use_id():
    facts = span_facts(
        span("claude_code.tool", tool_name="Bash", tool_use_id="toolu_01Ft",
             **{"gen_ai.tool.call.id": "toolu_01Ft", "session.id": "cc-1"}),
        "cc-1",
    )  # fmt: skip
    assert facts.span is not None and facts.usage is None
    assert (facts.span.kind, facts.span.tool_name, facts.span.tool_use_id) == (
        "tool", "Bash", "toolu_01Ft",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "attributes", "kind"),
    [
        ("claude_code.interaction", {}, "interaction"),
        ("claude_code.tool.blocked_on_user", {}, "permission"),
        ("claude_code.tool.execution", {}, "execution"),
        ("claude_code.hook", {}, "hook"),
        ("x", {"gen_ai.operation.name": "text_completion"}, "llm"),
        ("x", {"gen_ai.operation.name": "invoke_agent"}, "agent"),
        ("x", {"openinference.span.kind": "CHAIN"}, "chain"),
        ("x", {"traceloop.span.kind": "task"}, "chain"),
        ("x", {"llm.request.type": "chat"}, "llm"),
        ("x", {"gen_ai.usage.completion_tokens": 3}, "llm"),
        ("GET /", {"http.method": "GET"}, "span"),
    ],
)
def test_each_convention_names_the_kind(name, attributes, kind):
    assert kind_of(name, attributes) == kind


@pytest.mark.parametrize(
    ("attributes", "tokens"),
    [
        ({"gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 7}, (100, 7)),
        ({"gen_ai.usage.prompt_tokens": 100, "gen_ai.usage.completion_tokens": 7}, (100, 7)),
        ({"llm.token_count.prompt": 100, "llm.token_count.completion": 7}, (100, 7)),
        ({"gen_ai.usage.input_tokens": 100, "gen_ai.usage.cache_read.input_tokens": 30,
          "gen_ai.usage.cache_creation.input_tokens": 20}, (50, 0)),
        ({"gen_ai.usage.prompt_tokens": "100", "gen_ai.usage.cache_read_input_tokens": 30},
         (70, 0)),
    ],
)  # fmt: skip
def test_old_and_new_token_names_read_alike(attributes, tokens):
    usage = span_facts(span(**{"gen_ai.operation.name": "chat", **attributes}), "s").usage
    assert usage is not None and (usage.input_tokens, usage.output_tokens) == tokens


def test_the_span_status_or_claude_codes_success_false_is_an_error():
    failed = SpanRecord(TRACE, "4ffd7c4fb9952061", "chat", {"gen_ai.operation.name": "chat"},
                        status_code=2, status_message="overloaded")  # fmt: skip
    usage = span_facts(failed, "s").usage
    assert usage is not None and usage.error == "overloaded"
    execution = span_facts(
        span("claude_code.tool.execution", success="false", error="exit 1"), "s"
    ).span
    assert execution is not None and (execution.status, execution.status_message) == (
        "ERROR", "exit 1",
    )  # fmt: skip


def test_an_agent_ancestor_names_the_agent_of_spans_that_name_none():
    root = span(
        "invoke_agent",
        span_id="1" * 16,
        **{"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "Planner"},
    )
    middle = SpanRecord(TRACE, "2" * 16, "step", {}, parent_span_id="1" * 16)
    leaf = SpanRecord(
        TRACE, "3" * 16, "chat", {"gen_ai.operation.name": "chat"}, parent_span_id="2" * 16
    )
    own = SpanRecord(
        TRACE, "4" * 16, "tool", {"gen_ai.agent.name": "Other"}, parent_span_id="1" * 16
    )
    loop = SpanRecord(TRACE, "5" * 16, "x", {}, parent_span_id="5" * 16)
    read = read_spans([leaf, middle, root, own, loop])
    names = [f.span.agent_name for f in read if isinstance(f, TelemetryFacts) and f.span]
    assert names == ["Planner", "Planner", "Planner", "Other", None]
    chain = [SpanRecord(TRACE, f"{n + 10:016x}", "step", {}, parent_span_id=f"{n + 9:016x}")
             for n in range(3000)]  # fmt: skip
    chain[0] = SpanRecord(TRACE, f"{10:016x}", "step", {}, parent_span_id="1" * 16)
    deep = read_spans([root, *reversed(chain)])
    assert {f.span.agent_name for f in deep if isinstance(f, TelemetryFacts) and f.span} == {
        "Planner"
    }


def test_a_span_without_a_session_of_its_own_takes_its_traces():
    spans = [span(), span(span_id="0000000000000002", **{"gen_ai.conversation.id": "c-9"}),
             span(trace=OTHER_TRACE, **{"traceloop.association.properties.session_id": "t-1"}),
             span(trace="1" * 32)]  # fmt: skip
    sessions = [f.session_id for f in read_spans(spans) if isinstance(f, TelemetryFacts)]
    assert sessions == ["c-9", "c-9", "t-1", f"trace-{'1' * 32}"]


@pytest.mark.parametrize(
    ("attributes", "problem"),
    [
        ({"session.id": 5}, "session.id: expected a string"),
        ({"session.id": "../x"}, "session.id: not a valid id"),
        ({"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": "many"},
         "gen_ai.usage.input_tokens: expected a number"),
        ({"gen_ai.operation.name": "chat", "gen_ai.usage.output_tokens": -1},
         "gen_ai.usage.output_tokens: expected a number"),
        ({"gen_ai.tool.name": ["a"]}, "gen_ai.tool.name: expected a string"),
        ({"gen_ai.tool.call.id": "a/../b"}, "tool_use_id: not a valid id"),
        ({"success": "maybe"}, "success: expected a boolean"),
    ],
)  # fmt: skip
def test_a_mistyped_span_is_rejected_alone(attributes, problem):
    read = read_spans([span(**attributes), span(span_id="0000000000000002")])
    bad, good = read
    assert isinstance(bad, TelemetryRecordInvalidError)
    assert any(p.startswith(problem) for p in bad.problems), bad.problems
    assert isinstance(good, TelemetryFacts)


@pytest.mark.parametrize(("trace", "span_id"), [("", "1" * 16), ("0" * 32, "1" * 16),
                                                (TRACE, ""), (TRACE, "0" * 16)])  # fmt: skip
def test_a_span_without_its_ids_is_rejected(trace, span_id):
    (read,) = read_spans([span(trace=trace, span_id=span_id, **{"session.id": "s"})])
    assert isinstance(read, TelemetryRecordInvalidError)


def test_spans_become_span_and_model_span_events_and_cross_the_wire():
    facts = facts_of("01_invoke_agent_anthropic_chat_and_tool.json")
    session = AgentSession.open("default", "conv_5f0c2a", AT)
    for f in facts:
        session.record_telemetry(f, "{}", received_at=AT, source="otlp-traces")
    kinds = [type(e).__name__ for e in session.collect_events()[1:]]
    assert kinds == ["SpanRecorded", "ModelSpanRecorded", "SpanRecorded", "ModelSpanRecorded"]
    command = RecordTelemetry("default", tuple(TelemetryItem(f, "{}") for f in facts), AT,
                              "otlp-traces")  # fmt: skip
    assert decode_commands(encode_commands(3, [command])) == (3, [command])


def test_the_answer_counts_rejected_spans():
    document = json.loads((CORPUS / "otlp" / "01_invoke_agent_anthropic_chat_and_tool.json")
                          .read_text())  # fmt: skip
    chat = document["resourceSpans"][0]["scopeSpans"][0]["spans"][1]
    chat["attributes"].append({"key": "gen_ai.conversation.id", "value": {"intValue": "7"}})
    read = TRACES.read(decode(ExportTraceServiceRequest, json.dumps(document).encode(), JSON, 64))
    assert (read.rejected, len(read.records)) == (1, 3)
    answer = TRACES.response(read)
    assert answer.partial_success.rejected_spans == 1
    assert "gen_ai.conversation.id: expected a string" in answer.partial_success.error_message


def test_claude_codes_beta_trace_export_maps_each_documented_span():
    facts = facts_of("claude_code_traces.json")
    assert {f.session_id for f in facts} == {"3f6b2c1e-8a47-4d9b-b0e2-71c5a9d4e8f0"}
    kinds = [(f.span.name, f.span.kind) for f in facts if f.span]
    assert kinds == [
        ("claude_code.llm_request", "llm"), ("claude_code.tool.blocked_on_user", "permission"),
        ("claude_code.tool.execution", "execution"), ("claude_code.tool", "tool"),
        ("claude_code.hook", "hook"), ("claude_code.tool.blocked_on_user", "permission"),
        ("claude_code.tool", "tool"), ("claude_code.llm_request", "llm"),
        ("claude_code.interaction", "interaction"),
    ]  # fmt: skip
    calls = model_calls(facts)
    assert [(c.input_tokens, c.output_tokens, c.cache_read_tokens, c.cache_creation_tokens)
            for c in calls] == [(1204, 612, 18240, 3310), (2210, 1480, 21550, 1120)]  # fmt: skip
    assert {c.model for c in calls} == {"claude-opus-4-5-20251101"}
    assert {c.cost_usd for c in calls} == {0.0}  # Claude Code's spans carry no cost
    tools = {f.span.tool_use_id: f.span for f in facts if f.span and f.span.kind == "tool"}
    read, bash = tools["toolu_0160yPcKiRvgq1GZbyb5uNck"], tools["toolu_01Z8lTHp7zlclU4OEgqEMMtm"]
    assert (read.tool_name, read.duration_ms, read.status) == ("Read", 52.0, "UNSET")
    assert (bash.tool_name, bash.status) == ("Bash", "ERROR")
    assert bash.status_message == "rejected by a PreToolUse hook"
    assert {(f.user_id, f.team, f.prompt_id) for f in facts} == {
        ("5d9e3a17-8c24-4b6f-b0e1-c7a2f9d84e36", "platform",
         "7c1d9e2a-5b34-4f80-9a6e-2d8b1c0f3e57"),
    }  # fmt: skip
