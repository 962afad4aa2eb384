"""Trace spans of agents as telemetry of their ``AgentSession``: the conventions, one model.

Four shapes of span name the same few things (docs/otlp.md has the whole table):

- Claude Code's beta traces (``CLAUDE_CODE_ENHANCED_TELEMETRY_BETA=1``): ``claude_code.
  interaction`` (one user turn), ``claude_code.llm_request`` (``model``, ``input_tokens``
  excluding cache, ``cache_read_tokens``, ``cache_creation_tokens``, ``output_tokens``,
  ``success``), ``claude_code.tool`` (``tool_name``, ``tool_use_id``), its children
  ``claude_code.tool.blocked_on_user`` and ``claude_code.tool.execution``, ``claude_code.hook``;
- the OpenTelemetry GenAI conventions: ``gen_ai.operation.name`` ``invoke_agent`` /
  ``execute_tool`` / ``chat`` / ``text_completion``…, ``gen_ai.usage.input_tokens`` (cache
  included) / ``output_tokens`` (formerly ``prompt_tokens`` / ``completion_tokens``),
  ``gen_ai.tool.call.id``, ``gen_ai.conversation.id``, ``gen_ai.agent.name`` / ``id``;
- OpenInference: ``openinference.span.kind`` LLM / TOOL / AGENT / CHAIN…,
  ``llm.token_count.prompt`` / ``completion``, ``llm.model_name``, ``tool.name``, ``session.id``;
- OpenLLMetry (Traceloop): ``traceloop.span.kind`` workflow / task / agent / tool,
  ``llm.request.type``, ``gen_ai.*``, ``traceloop.association.properties.session_id``.

Every model span (kind ``llm``) is a model call with its tokens in Claude Code's convention
(input *excluding* cache reads and writes, so one sum counts each token once); an agent or
workflow span that repeats its children's totals is not one, so nothing is counted twice.
Cost is the span's own (``cost_usd``, ``gen_ai.usage.cost``, ``llm.cost.total``), else 0:
Observatory keeps no price table.

A span joins the session its own attributes name; else the session another span of the same
trace in the same export names; else a session named after the trace (``trace-<trace id>``),
so one agent run stays one session. A span that names no agent is its nearest agent ancestor's
in the export. A span that mistypes what we read is rejected alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from domain.sessions.errors import TelemetryRecordInvalidError
from domain.sessions.hooks import MAX_MS
from domain.sessions.telemetry import (
    MAX_COST_USD,
    MAX_TOKENS,
    TEAM_ATTRIBUTES,
    ModelUsage,
    SpanFacts,
    TelemetryFacts,
    _number,
    _text,
)
from domain.sessions.values import is_identifier

SESSION_ATTRIBUTES = (
    "session.id", "gen_ai.conversation.id", "traceloop.association.properties.session_id",
)  # fmt: skip
"""Where a span names its session, first found wins (the resource's ``session.id`` last)."""

KINDS = ("interaction", "llm", "tool", "agent", "chain", "hook", "permission", "execution",
         "retriever", "embedding", "span")  # fmt: skip

_CLAUDE_CODE = {
    "claude_code.interaction": "interaction", "claude_code.llm_request": "llm",
    "claude_code.tool": "tool", "claude_code.tool.blocked_on_user": "permission",
    "claude_code.tool.execution": "execution", "claude_code.hook": "hook",
}  # fmt: skip
_GENAI = {
    "invoke_agent": "agent", "create_agent": "agent", "execute_tool": "tool", "chat": "llm",
    "text_completion": "llm", "generate_content": "llm", "embeddings": "embedding",
}  # fmt: skip
_OPENINFERENCE = {
    "LLM": "llm", "TOOL": "tool", "AGENT": "agent", "CHAIN": "chain",
    "RETRIEVER": "retriever", "EMBEDDING": "embedding",
}  # fmt: skip
_TRACELOOP = {"workflow": "chain", "task": "chain", "agent": "agent", "tool": "tool"}
_TRACELOOP_LLM = frozenset({"chat", "completion"})
_STATUS = {0: "UNSET", 1: "OK", 2: "ERROR"}

_INPUT = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt")
"""Input tokens, cache reads and writes included (GenAI, OpenLLMetry, OpenInference)."""
_OUTPUT = ("output_tokens", "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
           "llm.token_count.completion")  # fmt: skip
_CACHE_READ = ("cache_read_tokens", "gen_ai.usage.cache_read.input_tokens",
               "gen_ai.usage.cache_read_input_tokens",
               "llm.token_count.prompt_details.cache_read")  # fmt: skip
_CACHE_WRITE = ("cache_creation_tokens", "gen_ai.usage.cache_creation.input_tokens",
                "gen_ai.usage.cache_creation_input_tokens",
                "llm.token_count.prompt_details.cache_write")  # fmt: skip
_MODEL = ("gen_ai.response.model", "gen_ai.request.model", "llm.model_name", "model")
_COST = ("cost_usd", "gen_ai.usage.cost", "llm.cost.total")
_TOOL_NAME = ("gen_ai.tool.name", "tool_name", "tool.name")
_TOOL_USE_ID = ("gen_ai.tool.call.id", "tool_use_id", "tool_call.id")
_AGENT_NAME = ("gen_ai.agent.name", "agent.name")
_AGENT_ID = ("gen_ai.agent.id", "agent_id")
_PROVIDER = ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")


@dataclass(frozen=True)
class SpanRecord:
    """One OTLP span as the domain reads it (ids in hex; attributes as plain values)."""

    trace_id: str
    span_id: str
    name: str
    attributes: Mapping[str, Any]
    resource: Mapping[str, Any] = field(default_factory=dict)
    parent_span_id: str | None = None
    start_unix_nano: int = 0
    end_unix_nano: int = 0
    status_code: int = 0
    status_message: str = ""


def read_spans(spans: Sequence[SpanRecord]) -> list[TelemetryFacts | TelemetryRecordInvalidError]:
    """Each span's facts, or why it is rejected, in order (sessions resolved per trace)."""
    own = [_own_session(span) for span in spans]
    by_trace: dict[str, str] = {}
    for span, session in zip(spans, own, strict=True):
        if isinstance(session, str):
            by_trace.setdefault(span.trace_id, session)
    read: list[TelemetryFacts | TelemetryRecordInvalidError] = []
    for span, session in zip(spans, own, strict=True):
        if isinstance(session, TelemetryRecordInvalidError):
            read.append(session)
            continue
        chosen = session or by_trace.get(span.trace_id) or f"trace-{span.trace_id}"
        try:
            read.append(span_facts(span, chosen))
        except TelemetryRecordInvalidError as error:
            read.append(error)
    return _with_agents(spans, read)


Agent = tuple[str | None, str | None]
"""(name, id) of an agent span."""


def _with_agents(
    spans: Sequence[SpanRecord], read: list[TelemetryFacts | TelemetryRecordInvalidError]
) -> list[TelemetryFacts | TelemetryRecordInvalidError]:
    """A span that names no agent is its nearest agent ancestor's in the export (the chat and
    tool spans under an ``invoke_agent`` span are that agent's). Each span's ancestry is walked
    once (``nearest`` remembers every span it passed), so deep or looping parents cost O(n)."""
    nearest: dict[tuple[str, str], Agent | None] = {}
    for facts in read:
        if isinstance(facts, TelemetryFacts) and facts.span and facts.span.kind == "agent":
            agent_span = facts.span
            nearest[(agent_span.trace_id, agent_span.span_id)] = (
                agent_span.agent_name, agent_span.agent_id,
            )  # fmt: skip
    if not nearest:
        return read
    parents = {(s.trace_id, s.span_id): s.parent_span_id for s in spans}

    def at_or_above(key: tuple[str, str]) -> Agent | None:
        path: dict[tuple[str, str], None] = {}
        at: tuple[str, str] | None = key
        while at is not None and at not in nearest and at not in path:
            path[at] = None
            parent = parents.get(at)
            at = (at[0], parent) if parent else None
        found = nearest.get(at) if at is not None and at not in path else None
        nearest.update(dict.fromkeys(path, found))
        return found

    out: list[TelemetryFacts | TelemetryRecordInvalidError] = []
    for facts in read:
        span = facts.span if isinstance(facts, TelemetryFacts) else None
        agent = None
        if span is not None and not (span.agent_name or span.agent_id) and span.parent_span_id:
            agent = at_or_above((span.trace_id, span.parent_span_id))
        if agent is None or span is None or not isinstance(facts, TelemetryFacts):
            out.append(facts)
        else:
            named = replace(span, agent_name=agent[0], agent_id=agent[1])
            out.append(replace(facts, span=named))
    return out


def span_facts(span: SpanRecord, session_id: str) -> TelemetryFacts:
    """The facts of one span in ``session_id``; raises ``TelemetryRecordInvalidError``."""
    problems: list[str] = []
    attrs = span.attributes
    if not _is_hex(span.trace_id, 32):
        problems.append("trace_id: required (32 hex digits, not all zero)")
    if not _is_hex(span.span_id, 16):
        problems.append("span_id: required (16 hex digits, not all zero)")
    kind = kind_of(span.name, attrs)
    status, message = _status(span, attrs, problems)
    tool_use_id = _first_text(attrs, _TOOL_USE_ID, problems)
    if tool_use_id is not None and not is_identifier(tool_use_id):
        problems.append("tool_use_id: not a valid id")
    facts = SpanFacts(
        trace_id=span.trace_id, span_id=span.span_id,
        parent_span_id=span.parent_span_id or None, kind=kind,
        name=(span.name or kind)[:128],
        tool_name=_tool_name(attrs, kind, problems), tool_use_id=tool_use_id,
        agent_name=_agent_name(attrs, kind, problems),
        agent_id=_first_text(attrs, _AGENT_ID, problems),
        provider=_lower(_first_text(attrs, _PROVIDER, problems, max_len=128)),
        duration_ms=_duration_ms(span, attrs, problems), status=status, status_message=message,
    )  # fmt: skip
    usage = _usage(attrs, facts, problems) if kind == "llm" else None
    user_id = _text(attrs, "user.account_uuid", problems) or _text(attrs, "user.id", problems)
    organization_id = _text(attrs, "organization.id", problems)
    team = next((t for k in TEAM_ATTRIBUTES if (t := _text(span.resource, k, problems))), None)
    prompt_id = _text(attrs, "prompt.id", problems)
    if problems:
        raise TelemetryRecordInvalidError(problems)
    return TelemetryFacts(
        session_id=session_id, event_name=facts.name, prompt_id=prompt_id,
        occurred_at=_time(span.start_unix_nano), user_id=user_id,
        organization_id=organization_id, team=team, usage=usage, span=facts,
    )  # fmt: skip


def kind_of(name: str, attributes: Mapping[str, Any]) -> str:
    """The span's role (``KINDS``), whichever convention named it."""
    if name in _CLAUDE_CODE:
        return _CLAUDE_CODE[name]
    operation = attributes.get("gen_ai.operation.name")
    if isinstance(operation, str) and operation in _GENAI:
        return _GENAI[operation]
    openinference = attributes.get("openinference.span.kind")
    if isinstance(openinference, str) and openinference.upper() in _OPENINFERENCE:
        return _OPENINFERENCE[openinference.upper()]
    traceloop = attributes.get("traceloop.span.kind")
    if isinstance(traceloop, str) and traceloop in _TRACELOOP:
        return _TRACELOOP[traceloop]
    request_type = attributes.get("llm.request.type")
    if isinstance(request_type, str) and request_type in _TRACELOOP_LLM:
        return "llm"
    if any(key in attributes for key in _INPUT + _OUTPUT[1:]):
        return "llm"
    return "span"


def _own_session(span: SpanRecord) -> str | TelemetryRecordInvalidError | None:
    """The session the span itself names (None: it names none), or why it is unusable."""
    problems: list[str] = []
    session = _first_text(span.attributes, SESSION_ATTRIBUTES, problems) or _text(
        span.resource, "session.id", problems
    )
    if session is not None and not is_identifier(session):
        problems.append("session.id: not a valid id")
    return TelemetryRecordInvalidError(problems) if problems else session


def _usage(attrs: Mapping[str, Any], span: SpanFacts, problems: list[str]) -> ModelUsage:
    def tokens(names: Sequence[str]) -> int:
        for name in names:
            if (
                name in attrs
                and (number := _number(attrs, name, problems, MAX_TOKENS, integer=True)) is not None
            ):
                return int(number)
        return 0

    cache_read, cache_write = tokens(_CACHE_READ), tokens(_CACHE_WRITE)
    if "input_tokens" in attrs:  # Claude Code's own: cache already excluded
        input_tokens = tokens(("input_tokens",))
    else:
        input_tokens = max(tokens(_INPUT) - cache_read - cache_write, 0)
    cost = next(
        (c for k in _COST if k in attrs and (c := _number(attrs, k, problems, MAX_COST_USD))), 0.0
    )
    return ModelUsage(
        model=_first_text(attrs, _MODEL, problems, max_len=256),
        input_tokens=input_tokens, output_tokens=tokens(_OUTPUT), cache_read_tokens=cache_read,
        cache_creation_tokens=cache_write, cost_usd=cost, duration_ms=span.duration_ms,
        error=(span.status_message or "error") if span.status == "ERROR" else None,
    )  # fmt: skip


def _status(
    span: SpanRecord, attrs: Mapping[str, Any], problems: list[str]
) -> tuple[str, str | None]:
    """OTLP's status; Claude Code's ``success: false`` (and its ``error``) is an error too."""
    status = _STATUS.get(span.status_code, "UNSET")
    success = attrs.get("success")
    if success is not None and not isinstance(success, bool) and success not in ("true", "false"):
        problems.append("success: expected a boolean")
    elif success in (False, "false"):
        status = "ERROR"
    elif success in (True, "true") and status == "UNSET":
        status = "OK"
    message = span.status_message[:4096] or _text(attrs, "error", problems, max_len=4096)
    return status, message if status == "ERROR" else None


def _tool_name(attrs: Mapping[str, Any], kind: str, problems: list[str]) -> str | None:
    name = _first_text(attrs, _TOOL_NAME, problems, max_len=256)
    if name is None and kind == "tool":  # OpenLLMetry names the tool as its entity
        name = _text(attrs, "traceloop.entity.name", problems, max_len=256)
    return name


def _agent_name(attrs: Mapping[str, Any], kind: str, problems: list[str]) -> str | None:
    name = _first_text(attrs, _AGENT_NAME, problems, max_len=256)
    if name is None and kind in ("agent", "chain"):
        name = _text(attrs, "traceloop.entity.name", problems, max_len=256)
    return name


def _duration_ms(span: SpanRecord, attrs: Mapping[str, Any], problems: list[str]) -> float | None:
    """The span's own start and end, else the ``duration_ms`` it reports."""
    if 0 < span.start_unix_nano <= span.end_unix_nano:
        return min((span.end_unix_nano - span.start_unix_nano) / 1e6, MAX_MS)
    return _number(attrs, "duration_ms", problems, MAX_MS)


def _first_text(
    attrs: Mapping[str, Any], names: Sequence[str], problems: list[str], max_len: int = 1024
) -> str | None:
    for name in names:  # most spans carry one of the names, if any: look before reading
        if name in attrs and (value := _text(attrs, name, problems, max_len)) is not None:
            return value
    return None


def _lower(text: str | None) -> str | None:
    return text.lower() if text is not None else None


def _is_hex(value: str, digits: int) -> bool:
    try:
        return len(value) == digits and int(value, 16) != 0
    except ValueError:
        return False


def _time(unix_nano: int) -> datetime | None:
    if 0 < unix_nano < 253_402_300_799 * 10**9:
        return datetime.fromtimestamp(unix_nano / 1e9, UTC)
    return None
