"""Request bodies in the OpenAPI document (``/schema``) for the doors that read raw bytes.

The ingest and command handlers read the body themselves (strict JSON, quarantine), so
Litestar cannot infer their schemas. ``with_body`` gives a route an ``operation_class`` that
describes the body: what clients and fuzzers (schemathesis in CI) see. The schemas say what
is required and the types of the fields we read; everything else is kept as sent.
"""

from __future__ import annotations

from typing import Any

from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema

STRING = Schema(type=OpenAPIType.STRING)
OBJECT = Schema(type=OpenAPIType.OBJECT)


def obj(required: tuple[str, ...] = (), **properties: Schema) -> Schema:
    return Schema(type=OpenAPIType.OBJECT, required=list(required) or None,
                  properties=dict(properties) or None)  # fmt: skip


HOOK = obj(
    ("session_id", "hook_event_name"),
    session_id=STRING, hook_event_name=STRING, cwd=STRING, transcript_path=STRING,
    tool_name=STRING, tool_use_id=STRING, tool_input=OBJECT, agent_id=STRING,
    agent_type=STRING, model=STRING, prompt=STRING,
    duration_ms=Schema(type=OpenAPIType.NUMBER, minimum=0),
)  # fmt: skip
ENVELOPE = obj(
    ("source_app", "session_id", "hook_event_type", "payload"),
    source_app=STRING, session_id=STRING, hook_event_type=STRING, payload=HOOK,
    timestamp=Schema(type=OpenAPIType.NUMBER, description="milliseconds since the epoch"),
    summary=STRING, model_name=STRING,
)  # fmt: skip
_POSITIVE = Schema(type=OpenAPIType.NUMBER, exclusive_minimum=0)
BUDGET = obj(
    ("scope",),
    scope=Schema(type=OpenAPIType.STRING, enum=["session", "user", "team", "tenant"]),
    period=Schema(type=OpenAPIType.STRING, enum=["day", "month", "life"]),
    usd=_POSITIVE, tokens=_POSITIVE,
    warn_at=Schema(type=OpenAPIType.NUMBER, exclusive_minimum=0, exclusive_maximum=1),
)  # fmt: skip
RULE = obj(
    ("id", "decision"),
    id=STRING, when=Schema(type=OpenAPIType.OBJECT, description="the condition (or a budget)"),
    budget=BUDGET,
    decision=Schema(type=OpenAPIType.STRING, enum=["allow", "ask", "deny", "approve"]),
    approve=Schema(type=OpenAPIType.OBJECT, description="who may answer and how long the hook "
                   "waits (decision: approve only; docs/guardrails.md)"),
    tools=Schema(type=OpenAPIType.ARRAY, items=STRING),
    priority=Schema(type=OpenAPIType.INTEGER), message=STRING,
)  # fmt: skip
MODE = obj(("mode",), mode=Schema(type=OpenAPIType.STRING, enum=["enforce", "shadow"]))
QUARANTINE = obj(
    ("id",),
    id=STRING, kind=Schema(type=OpenAPIType.STRING, enum=["session", "agent"]),
    mode=Schema(type=OpenAPIType.STRING, enum=["ask", "deny", "approve"]), reason=STRING,
)  # fmt: skip
OTLP_LOGS = obj(
    resourceLogs=Schema(type=OpenAPIType.ARRAY, items=OBJECT,
                        description="OTLP/JSON ExportLogsServiceRequest (or send protobuf)"),
)  # fmt: skip
OTLP_METRICS = obj(
    resourceMetrics=Schema(type=OpenAPIType.ARRAY, items=OBJECT,
                           description="OTLP/JSON ExportMetricsServiceRequest (or send protobuf)"),
)  # fmt: skip
OTLP_TRACES = obj(
    resourceSpans=Schema(type=OpenAPIType.ARRAY, items=OBJECT,
                         description="OTLP/JSON ExportTraceServiceRequest (or send protobuf)"),
)  # fmt: skip
NOTE = obj(note=Schema(type=OpenAPIType.STRING, max_length=2_000))
REASON = obj(reason=Schema(type=OpenAPIType.STRING, max_length=2_000))


def with_body(schema: Schema, *, required: bool = True, yaml: bool = False) -> type[Operation]:
    """An ``operation_class`` whose request body is ``schema`` (JSON, and YAML if asked)."""
    content = {"application/json": OpenAPIMediaType(schema=schema)}
    if yaml:
        content["application/yaml"] = OpenAPIMediaType(schema=schema)

    class WithBody(Operation):
        def __init__(self, **fields: Any) -> None:
            super().__init__(**{**fields, "request_body": RequestBody(content, required=required)})

    return WithBody


__all__ = ["ENVELOPE", "HOOK", "MODE", "NOTE", "OTLP_LOGS", "OTLP_METRICS", "OTLP_TRACES",
           "QUARANTINE", "REASON", "RULE", "with_body"]  # fmt: skip
