"""The public form of events: what the relay publishes to NATS, and its JSON Schemas.

One table (``SPECS``) names every event class with a stable public name and lists, field by
field, what of it is public. It drives both the documents (``publication``) and their JSON
Schemas (``json_schema``, generated into docs/stream.md), so the two cannot drift.

Invariants:
- only listed fields leave the event store: ``sealed`` (the ciphertext of the originals) is
  never listed, nor anything a new event class adds until someone lists it here;
- hook payloads were redacted at ingest, and are published as recorded;
- public names never change (renaming an event class keeps its entry's name); a breaking
  change of a document makes a ``.v2`` subject, never a silent change of ``.v1``.

- a document larger than the broker takes (NATS ``max_payload``, 1 MiB by default) is
  published in its *truncated form* (``truncated``): the same envelope and fields, with the
  bulky ones replaced by a ``TRUNCATED`` marker object, so it still validates against its
  schema and the stream never stops; the whole event stays in the log (docs/stream.md).

Subjects are ``<prefix>.<tenant>.<type>.v1``. A tenant id is made one safe token: letters,
digits, ``-`` and ``_`` stay; every other character becomes ``~`` and the two hex digits of
each of its UTF-8 bytes (``acme.com`` → ``acme~2ecom``); the empty id is ``~``. The mapping
is one-to-one, so two tenants never share a subject.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import msgspec

from domain.access.actions import AuditedAction
from domain.access.api_keys import ApiKey
from domain.alerts.alert import Alert
from domain.alerts.assessment import Assessment
from domain.guardrails.interventions import Intervention
from domain.guardrails.policy import GuardrailPolicy
from domain.ml.lineup import ModelLineup
from domain.ml.model_version import ModelVersion
from domain.sessions.aggregate import AgentSession
from domain.sessions.hooks import KNOWN_HOOKS

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SUBJECT_VERSION = "v1"
SCHEMA_BASE = "https://observatory.dev/schemas/stream"

_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def subject_token(text: str) -> str:
    """``text`` as one NATS subject token (see the module docstring)."""
    if not text:
        return "~"
    return "".join(c if c in _SAFE else "".join(f"~{b:02x}" for b in c.encode()) for c in text)


def subject(prefix: str, tenant: str, event_type: str) -> str:
    return f"{prefix}.{subject_token(tenant)}.{event_type}.{SUBJECT_VERSION}"


def event_id(originator_id: object, version: int) -> str:
    """Stable id of an event (its stream and version): the ``Nats-Msg-Id``."""
    return f"{originator_id}:{version}"


Schema = dict[str, Any]
STR: Schema = {"type": "string"}
STR_OR_NULL: Schema = {"type": ["string", "null"]}
INT: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
NUMBER_OR_NULL: Schema = {"type": ["number", "null"]}
STR_LIST: Schema = {"type": "array", "items": STR}
OBJECT: Schema = {"type": "object"}
DATETIME_OR_NULL: Schema = {"type": ["string", "null"], "format": "date-time"}


def _doc(schema: Schema, text: str) -> Schema:
    return {**schema, "description": text}


RAW_JSON = {"payload": "payload_json", "context": "context_json"}
"""Public field -> event attribute holding JSON text (embedded as JSON, not as a string)."""

HOOK_FIELDS: dict[str, Schema] = {
    "hook": _doc(STR, "Claude Code hook_event_name (PreToolUse, Stop…)."),
    "source": _doc(STR, "Door it came through: claude-code, send_event, otlp…"),
    "agent_id": _doc(STR_OR_NULL, "Subagent id; null for the main agent."),
    "agent_type": STR_OR_NULL,
    "attribution": _doc(
        {"enum": ["explicit", "inferred", None]}, "How the event was tied to a subagent."
    ),
    "payload": _doc(OBJECT, "The hook JSON as received, personal data and secrets redacted."),
    "context": _doc(OBJECT, "What the envelope said besides the hook (redacted)."),
    "redacted": _doc(STR_LIST, "Kinds of data replaced by [REDACTED:<kind>] markers."),
}
TOOL_FIELDS: dict[str, Schema] = {
    **HOOK_FIELDS,
    "tool_name": STR_OR_NULL,
    "tool_use_id": _doc(STR_OR_NULL, "Pairs a tool call's hooks."),
    "mcp_server": STR_OR_NULL,
    "mcp_tool": STR_OR_NULL,
    "duration_ms": NUMBER_OR_NULL,
}
RULE: Schema = _doc(OBJECT, "A guardrail rule as data (id, match, decision, mode, message).")

HOOK_NAMES = {
    "Started": "session_started", "SetupRan": "setup_ran",
    "PromptSubmitted": "prompt_submitted", "PromptExpanded": "prompt_expanded",
    "ToolCallRequested": "tool_call_requested", "PermissionRequested": "permission_requested",
    "PermissionDenied": "permission_denied", "ToolCallCompleted": "tool_call_completed",
    "ToolCallFailed": "tool_call_failed", "ToolBatchCompleted": "tool_batch_completed",
    "Notified": "notified", "MessageDisplayed": "message_displayed",
    "SubagentStarted": "subagent_started", "SubagentStopped": "subagent_stopped",
    "TaskCreated": "task_created", "TaskCompleted": "task_completed",
    "Stopped": "agent_stopped", "StopFailed": "agent_stop_failed",
    "TeammateIdled": "teammate_idled", "InstructionsLoaded": "instructions_loaded",
    "ConfigChanged": "config_changed", "CwdChanged": "cwd_changed",
    "DirectoryAdded": "directory_added", "FileChanged": "file_changed",
    "WorktreeCreated": "worktree_created", "WorktreeRemoved": "worktree_removed",
    "CompactionStarted": "compaction_started", "Compacted": "compacted",
    "ModelSwitchRequested": "model_switch_requested", "ModelSwitched": "model_switched",
    "ElicitationRequested": "elicitation_requested", "ElicitationAnswered": "elicitation_answered",
    "Ended": "session_ended", "Observed": "hook_observed",
}  # fmt: skip
"""AgentSession hook event class -> public name (never change a value)."""


@dataclass(frozen=True)
class PublicEvent:
    name: str
    event_class: type
    description: str
    fields: dict[str, Schema] = field(default_factory=dict)


TELEMETRY_FIELDS: dict[str, Schema] = {
    "event_name": _doc(STR, "The telemetry event (claude_code.api_request, …)."),
    "prompt_id": _doc(STR_OR_NULL, "Joins the hooks' prompt_id."),
    "occurred_at": _doc(DATETIME_OR_NULL, "When the agent says it happened."),
    "source": _doc(STR, "Door it came through: otlp-logs, otlp-metrics or otlp-traces."),
    "payload": _doc(
        OBJECT, "The whole log record, data point or span (attributes, resource…), redacted."
    ),
    "redacted": _doc(STR_LIST, "Kinds of data replaced by [REDACTED:<kind>] markers."),
}
MODEL_CALL_FIELDS: dict[str, Schema] = {
    **TELEMETRY_FIELDS,
    "model": STR_OR_NULL,
    "input_tokens": _doc(INT, "Input tokens, cache excluded (Claude Code's convention)."),
    "output_tokens": INT,
    "cache_read_tokens": INT,
    "cache_creation_tokens": INT,
    "cost_usd": _doc(NUMBER, "Claude Code's estimate, in US dollars."),
    "duration_ms": NUMBER_OR_NULL,
    "error": _doc(STR_OR_NULL, "The API error, for api_error records."),
    "user_id": _doc(STR_OR_NULL, "user.account_uuid (else user.id)."),
    "organization_id": STR_OR_NULL,
    "team": _doc(STR_OR_NULL, "The team resource attribute (OTEL_RESOURCE_ATTRIBUTES)."),
}
SPAN_FIELDS: dict[str, Schema] = {
    "trace_id": _doc(STR, "The span's trace, 32 hex digits."),
    "span_id": _doc(STR, "16 hex digits."),
    "parent_span_id": STR_OR_NULL,
    "span_kind": _doc(STR, "interaction, llm, tool, agent, chain, hook… (docs/otlp.md)."),
    "span_name": STR,
    "agent_name": STR_OR_NULL,
    "agent_id": STR_OR_NULL,
    "provider": _doc(STR_OR_NULL, "gen_ai.provider.name (or gen_ai.system), lower case."),
    "status": _doc({"enum": ["OK", "ERROR", "UNSET"]}, "The span's OTLP status."),
    "status_message": STR_OR_NULL,
}

METRIC_FIELDS: dict[str, Schema] = {
    **TELEMETRY_FIELDS,
    "kind": _doc(STR, "sum, gauge or histogram."),
    "unit": STR,
    "value": _doc(NUMBER, "The point's value (a histogram's sum), as the exporter sent it."),
    "increment": _doc(
        NUMBER_OR_NULL,
        "What the point adds to its series, delta or cumulative "
        "temporality alike (null for a gauge).",
    ),
    "count": _doc({"type": ["integer", "null"]}, "A histogram's count."),
    "count_increment": {"type": ["integer", "null"]},
    "cumulative": {"type": "boolean"},
    "monotonic": {"type": "boolean"},
    "series": _doc(STR, "Digest of the metric name and its non-identity attributes."),
    "start_unix_nano": INT,
    "time_unix_nano": INT,
    **dict.fromkeys(
        ("type", "model", "decision", "tool", "language", "decision_source"), STR_OR_NULL
    ),
    "user_id": _doc(STR_OR_NULL, "user.account_uuid (else user.id)."),
    "organization_id": STR_OR_NULL,
    "team": _doc(STR_OR_NULL, "The team resource attribute (OTEL_RESOURCE_ATTRIBUTES)."),
}


def _hook_spec(class_name: str) -> PublicEvent:
    cls = getattr(AgentSession, class_name)
    hooks = [hook for hook, name in KNOWN_HOOKS.items() if name == class_name]
    about = (f"Claude Code's {' / '.join(hooks)} hook." if hooks
             else "A hook kind this version does not know, kept whole.")  # fmt: skip
    tool = issubclass(cls, AgentSession.ToolHookRecorded)
    return PublicEvent(HOOK_NAMES[class_name], cls, about, TOOL_FIELDS if tool else HOOK_FIELDS)


BY = _doc(STR, "Who did it (operator, token subject or policy).")


def _ml_events() -> list[PublicEvent]:
    """Model versions, assessments and alerts (what the scoring worker and operators do)."""
    scored = {
        "agent": STR_OR_NULL,
        "score": NUMBER,
        "model_kind": STR,
        "model_version_id": STR,
        "at_position": INT,
        "severity": STR_OR_NULL,
        "alert_id": STR_OR_NULL,
        "top_features": _doc(
            {"type": "array", "items": OBJECT},
            "{name, value, contribution}, most contributing first.",
        ),
    }
    note = {"by": BY, "note": STR}
    return [
        PublicEvent("model_version_trained", ModelVersion.Trained, "A model was trained.",
                    {"kind": STR, "label": STR, "metrics": OBJECT, "artifact_sha256": STR,
                     "feature_schema_version": STR, "trained_by": STR,
                     "trained_at": DATETIME_OR_NULL}),
        PublicEvent("model_version_promoted", ModelVersion.Promoted,
                    "A model version now scores its tenant's sessions.",
                    {"by": BY, "replaces": STR_OR_NULL}),
        PublicEvent("model_version_retired", ModelVersion.Retired, "A model version retired.",
                    {"by": BY, "reason": STR}),
        PublicEvent("model_lineup_started", ModelLineup.Started,
                    "First promotion of a model kind for a tenant.", {"kind": STR}),
        PublicEvent("model_lineup_changed", ModelLineup.Changed,
                    "Which version of a kind is promoted.",
                    {"kind": STR, "promoted": STR_OR_NULL, "by": BY}),
        PublicEvent("assessment_opened", Assessment.Opened, "First score of a session."),
        PublicEvent("anomaly_detected", Assessment.AnomalyDetected,
                    "The anomaly model scored the session over a threshold.", scored),
        PublicEvent("failure_predicted", Assessment.FailurePredicted,
                    "The failure model expects the session to fail soon.", scored),
        PublicEvent("burn_rate_forecast", Assessment.BurnRateForecast,
                    "The session is on course to exhaust its budget.", scored),
        PublicEvent("alert_raised", Alert.Raised, "An alert was raised on a session.",
                    {"agent": STR_OR_NULL, "severity": STR, "reason": STR, "score": NUMBER,
                     "model_kind": STR, "model_version_id": STR, "by": BY}),
        PublicEvent("alert_acknowledged", Alert.Acknowledged, "An operator took it.", note),
        PublicEvent("alert_resolved", Alert.Resolved, "An alert was closed.", note),
        PublicEvent("alert_escalated", Alert.Escalated,
                    "A policy acted on the alert (e.g. quarantined the session).",
                    {"action": STR, "detail": STR, "by": BY}),
    ]  # fmt: skip


_OTHERS = [
    PublicEvent("session_opened", AgentSession.Opened, "The first hook of a session arrived."),
    PublicEvent(
        "tool_call_decided", AgentSession.ToolCallDecided,
        "Observatory's guardrail decision on a PreToolUse or PermissionRequest hook.",
        {"hook": STR, "tool_name": STR_OR_NULL, "tool_use_id": STR_OR_NULL,
         "agent_id": STR_OR_NULL,
         "decision": _doc({"enum": ["deny", "approve", "ask", "allow", None]},
                          "null: no enforced rule; approve: held for a person on duty."),
         "rule_id": STR_OR_NULL, "policy_version": INT, "mode": STR,
         "message": STR_OR_NULL, "latency_ms": NUMBER,
         "shadow": _doc({"type": "array", "items": OBJECT}, "What shadow rules would decide."),
         "intervention": STR_OR_NULL},
    ),
    PublicEvent(
        "approval_requested", AgentSession.ApprovalRequested,
        "An approve ruling asked the people on duty to answer a held tool call.",
        {"request_id": STR, "hook": STR, "tool_name": STR_OR_NULL, "tool_use_id": STR_OR_NULL,
         "agent_id": STR_OR_NULL,
         "summary": _doc(STR, "The command, path or input asked about (redacted)."),
         "rule_id": STR_OR_NULL, "roles": STR_LIST, "teams": STR_LIST,
         "expires_at": {"type": "string", "format": "date-time"},
         "on_timeout": _doc(STR, "The answer if nobody answers: deny, ask or allow."),
         "self_approval": {"type": "boolean"}, "requested_by": STR_OR_NULL},
    ),
    PublicEvent("approval_granted", AgentSession.ApprovalGranted,
                "A person on duty allowed the held tool call.",
                {"request_id": STR, "rule_id": STR_OR_NULL, "by": BY, "reason": STR}),
    PublicEvent("approval_denied", AgentSession.ApprovalDenied,
                "A person on duty refused the held tool call.",
                {"request_id": STR, "rule_id": STR_OR_NULL, "by": BY, "reason": STR}),
    PublicEvent("approval_expired", AgentSession.ApprovalExpired,
                "Nobody answered in time: the rule's default was the answer.",
                {"request_id": STR, "rule_id": STR_OR_NULL, "decision": STR}),
    PublicEvent("model_call_recorded", AgentSession.ModelCallRecorded,
                "One call to the model from the agent's own telemetry (claude_code.api_request "
                "or api_error): tokens by type, cost, latency.", MODEL_CALL_FIELDS),
    PublicEvent("metric_recorded", AgentSession.MetricRecorded,
                "One metric data point of the agent's own telemetry (claude_code.token.usage, "
                "lines_of_code.count…) and what it adds to its series.", METRIC_FIELDS),
    PublicEvent("model_span_recorded", AgentSession.ModelSpanRecorded,
                "A model call read from a trace span (chat, claude_code.llm_request…): tokens "
                "by type, cost, latency, and where it sits in its trace.",
                {**MODEL_CALL_FIELDS, **SPAN_FIELDS}),
    PublicEvent("span_recorded", AgentSession.SpanRecorded,
                "A trace span that is not a model call (interaction, tool, agent run…); a tool "
                "span's tool_use_id joins the tool hooks.",
                {**TELEMETRY_FIELDS, **SPAN_FIELDS, "tool_name": STR_OR_NULL,
                 "tool_use_id": STR_OR_NULL, "duration_ms": NUMBER_OR_NULL}),
    PublicEvent("telemetry_observed", AgentSession.TelemetryObserved,
                "Any other telemetry record of the agent (user_prompt, tool_result, "
                "tool_decision…), kept whole.", TELEMETRY_FIELDS),
    PublicEvent(
        "session_erased", AgentSession.Erased,
        "The session's data key was destroyed (its sealed originals are gone).",
        {"erased_by": STR, "reason": STR},
    ),
    PublicEvent("guardrail_policy_created", GuardrailPolicy.Created,
                "A tenant's first policy change: the default rules, as version 1.",
                {"rules": {"type": "array", "items": RULE}, "by": BY}),
    PublicEvent("guardrail_rule_added", GuardrailPolicy.RuleAdded, "A rule was added.",
                {"rule": RULE, "by": BY}),
    PublicEvent("guardrail_rule_changed", GuardrailPolicy.RuleChanged, "A rule was replaced.",
                {"rule": RULE, "by": BY}),
    PublicEvent("guardrail_rule_removed", GuardrailPolicy.RuleRemoved, "A rule was removed.",
                {"rule_id": STR, "by": BY}),
    PublicEvent("guardrail_rule_mode_set", GuardrailPolicy.RuleModeSet,
                "A rule switched between enforce and shadow.",
                {"rule_id": STR, "mode": STR, "by": BY}),
    PublicEvent("intervention_opened", Intervention.Opened,
                "First intervention on a session or agent.", {"kind": STR, "target_id": STR}),
    PublicEvent("quarantine_imposed", Intervention.Imposed,
                "A session or agent was quarantined (or its mode changed).",
                {"kind": STR, "target_id": STR, "mode": STR, "reason": STR, "by": BY}),
    PublicEvent("quarantine_lifted", Intervention.Lifted, "A quarantine was lifted.",
                {"kind": STR, "target_id": STR, "reason": STR, "by": BY}),
    PublicEvent("api_key_issued", ApiKey.Issued,
                "An ingest key was issued (its secret and digest are never published).",
                {"key_id": STR, "name": STR, "role": STR, "by": BY,
                 "expires_at": DATETIME_OR_NULL, "replaces": STR_OR_NULL}),
    PublicEvent("api_key_revoked", ApiKey.Revoked, "An ingest key was revoked.",
                {"key_id": STR, "reason": STR, "by": BY}),
    PublicEvent("action_audited", AuditedAction.Recorded,
                "A command recorded for the audit log (unseal, export, token minted…).",
                {"actor": STR, "action": STR, "target": STR, "detail": OBJECT}),
    *_ml_events(),
]  # fmt: skip

SPECS: dict[str, PublicEvent] = {
    spec.name: spec for spec in [*(_hook_spec(n) for n in HOOK_NAMES), *_OTHERS]
}
"""Public name -> spec, for every event class the log holds."""
_BY_CLASS: dict[type, PublicEvent] = {spec.event_class: spec for spec in SPECS.values()}

ENVELOPE: dict[str, Schema] = {
    "schema_version": {"const": SCHEMA_VERSION},
    "id": _doc({"type": "string", "pattern": "^[0-9a-f-]{36}:[0-9]+$"},
               "Stable event id <stream_id>:<stream_version>; also the Nats-Msg-Id header."),
    "type": STR,
    "position": _doc({"type": "integer", "minimum": 1},
                     "Global position in the event log (increasing; may have gaps)."),
    "tenant": STR,
    "at": _doc({"type": "string", "format": "date-time"}, "When Observatory recorded it (UTC)."),
    "session_id": _doc(STR_OR_NULL, "The agent session, for session events."),
    "stream_id": {"type": "string", "format": "uuid"},
    "stream_version": {"type": "integer", "minimum": 1},
    "data": OBJECT,
}  # fmt: skip


class Publication(NamedTuple):
    subject: str
    msg_id: str
    position: int
    body: bytes
    truncated_from: int = 0
    """Size of the whole document when ``body`` is its truncated form (0: it is whole)."""


TRUNCATED = "observatory_truncated"
"""Key of the marker object that stands for a field left out of a truncated document."""

TEXT_KEPT = 1_024
"""Characters of a long text field a truncated document keeps."""


_warned: set[type] = set()


def _unknown(cls: type) -> PublicEvent:
    """An event class missing from SPECS: published with its envelope only (no fields)."""
    if cls not in _warned:
        _warned.add(cls)
        log.warning("no public spec for %s: publishing its envelope only", cls.__qualname__)
    words = re.sub(r"(?<!^)(?=[A-Z])", "_", "".join(cls.__qualname__.split(".")[-2:])).lower()
    name = re.sub(r"[^a-z0-9_]", "", words) or "unknown_event"
    return PublicEvent(name, cls, "")


def spec_of(event: object) -> PublicEvent:
    cls = type(event)
    return _BY_CLASS.get(cls) or _unknown(cls)


def _value(event: object, name: str) -> Any:
    if name in RAW_JSON:
        text: str = getattr(event, RAW_JSON[name])
        try:
            return msgspec.json.decode(text, type=msgspec.Raw)
        except msgspec.DecodeError:
            return text  # not JSON (never expected): published as a string
    return getattr(event, name, None)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def publication(
    position: int, event: Any, prefix: str, max_bytes: int | None = None
) -> Publication:
    """The message for one event: subject, Nats-Msg-Id, position and JSON body (its
    truncated form when the whole one is over ``max_bytes``)."""
    spec = spec_of(event)
    tenant = str(getattr(event, "tenant_id", ""))
    ident = event_id(event.originator_id, event.originator_version)
    document = {
        "schema_version": SCHEMA_VERSION,
        "id": ident,
        "type": spec.name,
        "position": position,
        "tenant": tenant,
        "at": _iso(event.timestamp),
        "session_id": getattr(event, "session_id", None),
        "stream_id": str(event.originator_id),
        "stream_version": event.originator_version,
        "data": {name: _value(event, name) for name in spec.fields},
    }
    body = msgspec.json.encode(document)
    whole = len(body)
    if max_bytes is not None and whole > max_bytes:
        body = truncated(document, whole, max_bytes)
    return Publication(
        subject(prefix, tenant, spec.name), ident, position, body,
        whole if len(body) != whole else 0,
    )  # fmt: skip


def truncated(document: dict[str, Any], size: int, max_bytes: int) -> bytes:
    """The document with its bulky fields replaced: first the embedded JSON (payload,
    context), then, if still too large, every object, list and long text. Each left-out
    object becomes ``{TRUNCATED: {bytes, position}}``, a list ``[]``, a text its first
    ``TEXT_KEPT`` characters and ``…``: every field keeps its schema type."""
    marker = {TRUNCATED: {"bytes": size, "position": document["position"]}}
    data = {name: marker if name in RAW_JSON else value
            for name, value in document["data"].items()}  # fmt: skip
    body = msgspec.json.encode({**document, "data": data})
    if len(body) <= max_bytes:
        return body
    data = {name: _cut(value, marker) for name, value in data.items()}
    return msgspec.json.encode({**document, "data": data})


def _cut(value: Any, marker: dict[str, Any]) -> Any:
    if isinstance(value, (dict, msgspec.Raw)):
        return marker
    if isinstance(value, (list, tuple)):
        return []
    if isinstance(value, str) and len(value) > TEXT_KEPT:
        return value[:TEXT_KEPT] + "…"
    return value


def json_schema(spec: PublicEvent) -> Schema:
    """The JSON Schema (draft 2020-12) of one public event's documents."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_BASE}/{spec.name}.{SUBJECT_VERSION}.json",
        "title": spec.name,
        "description": spec.description,
        "type": "object",
        "required": list(ENVELOPE),
        "additionalProperties": False,
        "properties": {
            **ENVELOPE,
            "type": {"const": spec.name},
            "data": {
                "type": "object",
                "required": list(spec.fields),
                "additionalProperties": False,
                "properties": spec.fields,
            },
        },
    }
