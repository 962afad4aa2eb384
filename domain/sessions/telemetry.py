"""What the domain reads from one OpenTelemetry log record of an agent (Claude Code first).

Claude Code exports its events over the OTLP logs signal (``CLAUDE_CODE_ENABLE_TELEMETRY=1``,
https://code.claude.com/docs/en/monitoring-usage): the record's body (or its ``event.name``
attribute) names the event (``claude_code.api_request``, ``claude_code.api_error``,
``claude_code.user_prompt``, ``claude_code.tool_result``, ``claude_code.tool_decision``…),
and its attributes carry the standard ones (``session.id``, ``prompt.id``,
``user.account_uuid``, ``user.email``, ``organization.id``, ``event.timestamp``) and the
event's own. Numbers arrive as OTLP ints, doubles or, as Claude Code sends most of them,
decimal strings.

A record joins its session by ``session.id`` (= the hook's ``session_id``): a record without
one has no stream to go to and is refused (counted as rejected in the export's answer). The
record itself is kept whole in the event (screened like any payload); only the fields the
read models use are checked and typed here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.sessions.errors import TelemetryRecordInvalidError
from domain.sessions.hooks import MAX_MS
from domain.sessions.metrics import MetricPoint
from domain.sessions.values import is_identifier

MODEL_CALL_EVENTS = frozenset({"claude_code.api_request", "claude_code.api_error"})
"""Records that describe one call to the model: they become ``ModelCallRecorded``."""

TEAM_ATTRIBUTES = ("team", "team.id", "team.name")
"""Resource attributes (``OTEL_RESOURCE_ATTRIBUTES``) read as the session owner's team."""

MAX_TOKENS = 10**12
MAX_COST_USD = 10.0**9


@dataclass(frozen=True)
class ModelUsage:
    """One model call's tokens and cost (Claude Code's ``input_tokens`` excludes cache)."""

    model: str | None
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_creation_tokens: int
    cost_usd: float
    duration_ms: float | None
    error: str | None


@dataclass(frozen=True)
class SpanFacts:
    """Where a trace span sits and what it did (``domain.sessions.spans`` reads it).

    ``kind`` is the span's role whatever convention named it: ``interaction``, ``llm``,
    ``tool``, ``agent``, ``chain``, ``hook``… (``spans.KINDS``); ``status`` is the OTLP
    status, ``OK``, ``ERROR`` or ``UNSET``.
    """

    trace_id: str
    span_id: str
    parent_span_id: str | None
    kind: str
    name: str
    tool_name: str | None = None
    tool_use_id: str | None = None
    """``gen_ai.tool.call.id`` or Claude Code's ``tool_use_id``: joins the tool hooks."""
    agent_name: str | None = None
    agent_id: str | None = None
    provider: str | None = None
    """``gen_ai.provider.name`` (formerly ``gen_ai.system``), lower case: ``anthropic``…"""
    duration_ms: float | None = None
    status: str = "UNSET"
    status_message: str | None = None


@dataclass(frozen=True)
class TelemetryFacts:
    """What the domain reads from one log record (the record itself is kept whole)."""

    session_id: str
    event_name: str
    prompt_id: str | None = None
    occurred_at: datetime | None = None
    user_id: str | None = None
    """``user.account_uuid`` (else ``user.id``): whose usage it is."""
    organization_id: str | None = None
    team: str | None = None
    usage: ModelUsage | None = None
    metric: MetricPoint | None = None
    """Set for a metric data point (``event_name`` is then the metric's name)."""
    span: SpanFacts | None = None
    """Set for a trace span (``/v1/traces``); None for a log record."""

    @classmethod
    def from_record(
        cls,
        attributes: Mapping[str, Any],
        resource: Mapping[str, Any],
        *,
        body: Any = None,
        time_unix_nano: int = 0,
    ) -> TelemetryFacts:
        """Reads and checks the fields we rely on; raises ``TelemetryRecordInvalidError``."""
        problems: list[str] = []
        session_id = _text(attributes, "session.id", problems) or _text(
            resource, "session.id", problems
        )
        if session_id is None:
            problems.append("session.id: required (the session the record belongs to)")
        elif not is_identifier(session_id):
            problems.append("session.id: not a valid id")
        name = _event_name(attributes, body)
        if name is None:
            problems.append("event.name: required (or the event name as the record's body)")
        prompt_id = _text(attributes, "prompt.id", problems)
        usage = _usage(attributes, name, problems) if name in MODEL_CALL_EVENTS else None
        occurred = _occurred_at(attributes, time_unix_nano)
        if problems or session_id is None or name is None:
            raise TelemetryRecordInvalidError(problems)
        return cls(
            session_id=session_id,
            event_name=name,
            prompt_id=prompt_id,
            occurred_at=occurred,
            user_id=_text(attributes, "user.account_uuid", problems)
            or _text(attributes, "user.id", problems),
            organization_id=_text(attributes, "organization.id", problems),
            team=next((t for k in TEAM_ATTRIBUTES if (t := _text(resource, k, problems))), None),
            usage=usage,
        )


def point_facts(
    point: MetricPoint,
    attributes: Mapping[str, Any],
    resource: Mapping[str, Any],
    problems: list[str],
) -> TelemetryFacts:
    """The facts of one metric data point (``problems`` from reading it included); raises
    ``TelemetryRecordInvalidError``. Its session, owner and team are read as a log record's."""
    session_id = _text(attributes, "session.id", problems) or _text(
        resource, "session.id", problems
    )
    if session_id is None:
        problems.append("session.id: required (the session the data point belongs to)")
    elif not is_identifier(session_id):
        problems.append("session.id: not a valid id")
    if problems or session_id is None:
        raise TelemetryRecordInvalidError(problems)
    return TelemetryFacts(
        session_id=session_id,
        event_name=point.name,
        occurred_at=_occurred_at({}, point.time_unix_nano),
        user_id=_text(attributes, "user.account_uuid", problems)
        or _text(attributes, "user.id", problems),
        organization_id=_text(attributes, "organization.id", problems),
        team=next((t for k in TEAM_ATTRIBUTES if (t := _text(resource, k, problems)
                                                   or _text(attributes, k, problems))), None),
        metric=point,
    )  # fmt: skip


def _event_name(attributes: Mapping[str, Any], body: Any) -> str | None:
    """``claude_code.<name>``: the body names it; ``event.name`` says it without the prefix."""
    if isinstance(body, str) and 0 < len(body) <= 128 and body.isprintable():
        return body
    value = attributes.get("event.name")
    if isinstance(value, str) and 0 < len(value) <= 128 and value.isprintable():
        return value if "." in value else f"claude_code.{value}"
    return None


def _usage(attributes: Mapping[str, Any], name: str | None, problems: list[str]) -> ModelUsage:
    tokens = {
        key: _number(attributes, key, problems, MAX_TOKENS, integer=True)
        for key in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens")
    }
    duration = _number(attributes, "duration_ms", problems, MAX_MS)
    error = _text(attributes, "error", problems, max_len=4096)
    if name == "claude_code.api_error" and error is None:
        error = "api_error"
    return ModelUsage(
        model=_text(attributes, "model", problems, max_len=256),
        input_tokens=int(tokens["input_tokens"] or 0),
        output_tokens=int(tokens["output_tokens"] or 0),
        cache_read_tokens=int(tokens["cache_read_tokens"] or 0),
        cache_creation_tokens=int(tokens["cache_creation_tokens"] or 0),
        cost_usd=_number(attributes, "cost_usd", problems, MAX_COST_USD) or 0.0,
        duration_ms=duration,
        error=error,
    )


def _text(
    values: Mapping[str, Any], name: str, problems: list[str], max_len: int = 1024
) -> str | None:
    value = values.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        problems.append(f"{name}: expected a string")
        return None
    if len(value) > max_len:
        problems.append(f"{name}: longer than {max_len} characters")
        return None
    return value


def _number(
    values: Mapping[str, Any], name: str, problems: list[str], limit: float, *,
    integer: bool = False,
) -> float | None:  # fmt: skip
    """A bounded, non-negative number, sent as a number or as its decimal text."""
    value = values.get(name)
    if value is None or value == "":
        return None
    number: float | None = None
    if isinstance(value, str) and len(value) <= 40:
        try:
            number = float(value)
        except ValueError:
            number = None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value) if abs(value) <= limit else None
    if number is None or not math.isfinite(number) or not 0 <= number <= limit:
        problems.append(f"{name}: expected a number from 0 to {limit:g}")
        return None
    if integer and number != int(number):
        problems.append(f"{name}: expected a whole number")
        return None
    return number + 0.0


def _occurred_at(attributes: Mapping[str, Any], time_unix_nano: int) -> datetime | None:
    """When the agent says it happened: ``event.timestamp`` (ISO 8601), else the record's
    time; None when neither is usable (the arrival time stands in)."""
    stamp = attributes.get("event.timestamp")
    if isinstance(stamp, str) and len(stamp) <= 64:
        try:
            parsed = datetime.fromisoformat(stamp)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None and 1970 < parsed.year < 9999:
            return parsed.astimezone(UTC)
    if 0 < time_unix_nano < 253_402_300_799 * 10**9:
        return datetime.fromtimestamp(time_unix_nano / 1e9, UTC)
    return None
