"""Reading Claude Code's OTLP log records (``TelemetryFacts``), and screening an export's
records together (one memo of the strings already screened) giving what screening each alone
gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from domain.privacy.redaction import Memo
from domain.privacy.screening import screen_hook
from domain.sessions.errors import TelemetryRecordInvalidError
from domain.sessions.telemetry import TelemetryFacts
from tests.conftest import CORPUS

REQUEST = {"session.id": "s1", "event.name": "api_request", "prompt.id": "p1",
           "model": "claude-opus-4-5", "cost_usd": "0.25", "input_tokens": 10,
           "output_tokens": "20", "cache_read_tokens": "30", "cache_creation_tokens": 40.0,
           "duration_ms": "1500", "user.account_uuid": "u-1",
           "event.timestamp": "2026-08-18T09:12:14.903+02:00"}  # fmt: skip


def test_an_api_request_reads_its_tokens_cost_and_owner():
    facts = TelemetryFacts.from_record(REQUEST, {"team": "platform"})
    assert (facts.session_id, facts.event_name, facts.prompt_id) == (
        "s1", "claude_code.api_request", "p1",
    )  # fmt: skip
    usage = facts.usage
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens,
            usage.cache_creation_tokens) == (10, 20, 30, 40)  # fmt: skip
    assert (usage.cost_usd, usage.duration_ms, usage.error) == (0.25, 1500.0, None)
    assert (facts.user_id, facts.team) == ("u-1", "platform")
    assert facts.occurred_at == datetime(2026, 8, 18, 7, 12, 14, 903000, UTC)


def test_the_body_names_the_event_and_the_record_time_stands_in_for_its_timestamp():
    facts = TelemetryFacts.from_record({"session.id": "s1"}, {}, body="claude_code.tool_result",
                                       time_unix_nano=1_787_044_330 * 10**9)  # fmt: skip
    assert (facts.event_name, facts.usage) == ("claude_code.tool_result", None)
    assert facts.occurred_at == datetime(2026, 8, 18, 9, 12, 10, tzinfo=UTC)


def test_an_api_error_is_a_model_call_with_its_error():
    facts = TelemetryFacts.from_record(
        {"session.id": "s1", "event.name": "api_error", "model": "m", "status_code": "500"}, {}
    )
    assert facts.usage is not None and facts.usage.error == "api_error"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"session.id": None}, "session.id: required"),
        ({"session.id": "../etc"}, "session.id: not a valid id"),
        ({"session.id": 5}, "session.id: expected a string"),
        ({"event.name": None}, "event.name: required"),
        ({"input_tokens": "lots"}, "input_tokens: expected a number"),
        ({"input_tokens": "1.5"}, "input_tokens: expected a whole number"),
        ({"cost_usd": "-1"}, "cost_usd: expected a number"),
        ({"cost_usd": "nan"}, "cost_usd: expected a number"),
        ({"output_tokens": True}, "output_tokens: expected a number"),
        ({"duration_ms": 10**400}, "duration_ms: expected a number"),
    ],
)
def test_records_we_cannot_use_say_why(change, problem):
    record = {k: v for k, v in {**REQUEST, **change}.items() if v is not None}
    with pytest.raises(TelemetryRecordInvalidError) as raised:
        TelemetryFacts.from_record(record, {})
    assert any(p.startswith(problem) for p in raised.value.problems), raised.value.problems


def test_screening_an_exports_records_together_equals_screening_each_alone():
    export = json.loads((CORPUS / "otlp" / "claude_code_logs.json").read_text())
    records = export["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
    payloads = [{"attributes": r["attributes"], "body": r["body"]} for r in records]
    payloads.append({"note": "mail dana.reyes@example.com or call +1 202-555-0143"})
    memo: Memo = {}
    together = [screen_hook(p, None, memo=memo) for p in payloads]
    alone = [screen_hook(p, None) for p in payloads]
    assert together == alone
    assert all("email" in s.kinds for s in together)
