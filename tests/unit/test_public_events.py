"""The public form of events: every event class has a stable name and a schema, documents
match their schemas, subjects are safe and one per tenant, and ``sealed`` never leaves."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from datetime import UTC, datetime

from eventsourcing.domain import Aggregate
from hypothesis import given
from hypothesis import strategies as st

from commands.ingest.service import Ingestor
from commands.reactions.relay.public_events import (
    SPECS,
    json_schema,
    publication,
    spec_of,
    subject_token,
)
from domain.access.actions import AuditedAction
from domain.access.api_keys import ApiKey
from domain.alerts.alert import Alert
from domain.alerts.assessment import Assessment
from domain.guardrails.interventions import Intervention
from domain.guardrails.policy import GuardrailPolicy
from domain.ml.lineup import ModelLineup
from domain.ml.model_version import ModelVersion
from domain.sessions.aggregate import AgentSession
from tests.conftest import session_files
from tests.unit.schema_check import validate
from tests.unit.timeline_fixtures import hook_command

AGGREGATES = (AgentSession, GuardrailPolicy, Intervention, ApiKey, AuditedAction, ModelVersion,
              ModelLineup, Assessment, Alert)  # fmt: skip
BASES = (
    AgentSession.HookRecorded, AgentSession.ToolHookRecorded, AgentSession.TelemetryRecorded,
    Assessment.Scored, AgentSession.ApprovalAnswered,
)  # fmt: skip
SEALED = "SEALED-ORIGINALS-never-public"


def event_classes() -> set[type]:
    found = set()
    for aggregate in AGGREGATES:
        for value in vars(aggregate).values():
            if not (isinstance(value, type) and issubclass(value, aggregate.Event)):
                continue
            # eventsourcing adds Event and Created to every aggregate; only declared ones count.
            generated = f"class {value.__name__}(" not in inspect.getsource(aggregate)
            if value not in BASES and not generated:
                found.add(value)
    return found


def decode_token(token: str) -> str:
    if token == "~":
        return ""
    raw = re.sub(r"~([0-9a-f]{2})", lambda m: f"\\x{m.group(1)}", token)
    return raw.encode("latin-1").decode("unicode_escape").encode("latin-1").decode()


def test_every_event_class_has_a_public_name_and_schema():
    assert {spec.event_class for spec in SPECS.values()} == event_classes()
    for name, spec in SPECS.items():
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", name), name
        assert "sealed" not in spec.fields
        schema = json_schema(spec)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["properties"]["type"] == {"const": name}


def test_public_names_are_the_documented_ones():
    assert spec_of(object.__new__(AgentSession.ToolCallRequested)).name == "tool_call_requested"
    assert SPECS["tool_call_decided"].event_class is AgentSession.ToolCallDecided
    assert SPECS["session_erased"].event_class is AgentSession.Erased
    assert SPECS["guardrail_rule_added"].event_class is GuardrailPolicy.RuleAdded
    assert "secret_sha256" not in SPECS["api_key_issued"].fields


@given(st.text(max_size=20))
def test_a_tenant_becomes_one_safe_token_and_can_be_read_back(tenant):
    token = subject_token(tenant)
    assert re.fullmatch(r"[A-Za-z0-9_~-]+", token)
    assert decode_token(token) == tenant


def test_tenant_tokens_keep_plain_ids_and_escape_the_rest():
    assert subject_token("default") == "default"
    assert subject_token("acme_corp-2") == "acme_corp-2"
    assert subject_token("acme.com") == "acme~2ecom"
    assert subject_token("a>b*c d") == "a~3eb~2ac~20d"
    assert subject_token("~") == "~7e"
    assert subject_token("") == "~"
    assert subject_token("é") == "~c3~a9"


def test_recorded_hooks_become_documents_that_match_their_schemas_without_sealed():
    app = Ingestor()
    commands = [hook_command(p.read_text(), i, "acme.com") for i, p in enumerate(session_files())]
    commands = [dataclasses.replace(c, sealed=SEALED, redacted=("email",)) for c in commands]
    app.record(commands)
    notifications = app.recorder.select_notifications(start=1, limit=10_000)
    assert len(notifications) == len(commands) + 1
    for notification in notifications:
        event = app.mapper.to_domain_event(notification)
        published = publication(notification.id, event, "observatory")
        document = json.loads(published.body)
        validate(document, json_schema(SPECS[document["type"]]))
        assert SEALED not in published.body.decode()
        assert published.subject == f"observatory.acme~2ecom.{document['type']}.v1"
        assert (
            published.msg_id
            == document["id"]
            == f"{event.originator_id}:{event.originator_version}"
        )
        assert document["position"] == notification.id
        if isinstance(event, AgentSession.HookRecorded):
            assert document["data"]["payload"] == json.loads(event.payload_json)


class Forecast(Aggregate):
    """An aggregate added later, whose events nobody listed in the public table yet."""

    class Scored(Aggregate.Event):
        tenant_id: str
        secret: str


def test_an_event_class_missing_from_the_table_is_published_without_its_fields():
    event = Forecast.Scored(
        originator_id=AgentSession.create_id("t", "s"), originator_version=3,
        timestamp=datetime(2026, 1, 1, tzinfo=UTC), tenant_id="t", secret="hush",
    )  # fmt: skip
    published = publication(7, event, "p")
    document = json.loads(published.body)
    assert document["data"] == {}
    assert published.subject == "p.t.forecast_scored.v1"
    assert "hush" not in published.body.decode()


def test_a_document_over_the_limit_is_cut_to_its_schema_in_two_steps():
    rules = [{"id": f"r{i}", "decision": "deny", "message": "m" * 900} for i in range(50)]
    event = GuardrailPolicy.Created(
        originator_id=AgentSession.create_id("t", "s"), originator_version=1,
        timestamp=datetime(2026, 1, 1, tzinfo=UTC), tenant_id="t", rules=rules, by="b" * 5_000,
        originator_topic="domain.guardrails.policy:GuardrailPolicy",
    )  # fmt: skip
    whole = publication(9, event, "p")
    assert whole.truncated_from == 0
    cut = publication(9, event, "p", max_bytes=8_192)
    assert cut.truncated_from == len(whole.body)
    assert len(cut.body) <= 8_192
    document = json.loads(cut.body)
    assert document["data"]["rules"] == []
    assert document["data"]["by"] == "b" * 1_024 + "…"
    assert document["id"] == json.loads(whole.body)["id"]
    validate(document, json_schema(SPECS["guardrail_policy_created"]))
