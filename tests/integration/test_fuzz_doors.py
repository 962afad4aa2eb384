"""Generated bodies at every door, over real HTTP: the hook, envelope, GraphQL and command
endpoints. Each answer keeps the contract of ``tests/fuzzing.py``: no 5xx, an answer (no
hang), every refusal a problem document, and a refusal records nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.access.principal import Role
from tests.conftest import CORPUS
from tests.fuzzing import (
    FUZZ,
    FuzzTarget,
    corpus_hooks,
    fuzz_target,
    json_values,
    mutated,
    numbers_in,
    raw_bodies,
)

__all__ = ["fuzz_target"]  # the module-scoped fixture, imported for this module's tests
# Bodies of a megabyte are the point of some examples; hypothesis warns when it prints them.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

HOOKS = corpus_hooks()
HOOK_FIELDS = [
    "session_id", "hook_event_name", "duration_ms", "tool_use_id", "tool_name", "tool_input",
    "tool_response", "cwd", "agent_id", "agent_type", "model", "prompt", "transcript_path",
    "permission_mode", "prompt_id", "source", "message",
]  # fmt: skip
NUMBERS = ["duration_ms", "tool_use_id", "cwd", "agent_id", "session_id"]
SID = HOOKS[0]["session_id"]
ENVELOPES = [
    json.loads(path.read_bytes())
    for path in sorted((CORPUS / "envelopes").glob("disler_send_event_*.json"))
    if "missing" not in path.name
]
ENVELOPE_FIELDS = ["source_app", "session_id", "hook_event_type", "payload", "timestamp",
                   "summary", "chat", "model_name"]  # fmt: skip


@FUZZ
@given(body=st.one_of(raw_bodies(), mutated(HOOKS, HOOK_FIELDS)))
def test_the_hook_door_answers_every_body_within_its_contract(fuzz_target: FuzzTarget, body):
    fuzz_target.send("POST", "/v1/hooks/claude-code", body, role=Role.AGENT)


@settings(FUZZ, max_examples=120)
@given(body=numbers_in(HOOKS, NUMBERS))
def test_unusual_numbers_at_the_hook_door_are_refused_or_recorded(fuzz_target, body):
    fuzz_target.send("POST", "/v1/hooks/claude-code", body, role=Role.AGENT)


@st.composite
def envelope_with_a_bad_payload(draw: st.DrawFn) -> bytes:
    hook = draw(mutated(HOOKS, HOOK_FIELDS))
    head = {"source_app": "fuzz", "session_id": SID, "hook_event_type": "PreToolUse"}
    return json.dumps(head).encode()[:-1] + b', "payload": ' + hook + b"}"


@FUZZ
@given(
    body=st.one_of(raw_bodies(), mutated(ENVELOPES, ENVELOPE_FIELDS), envelope_with_a_bad_payload())
)
def test_the_envelope_door_answers_every_body_within_its_contract(fuzz_target, body):
    fuzz_target.send("POST", "/events", body, role=Role.AGENT)


GRAPHQL_REQUEST = [{"query": "{ timelinePosition }"}, {"query": "query Q($id: String!) { "
                   "session(id: $id) { id } }", "variables": {"id": SID}, "operationName": "Q"}]  # fmt: skip
GRAPHQL_FIELDS = ["query", "variables", "operationName", "extensions"]


@st.composite
def big_arguments(draw: st.DrawFn) -> bytes:
    """Documents within the token limit whose arguments are large or odd: long strings, long
    numbers, positions far ahead of the log, deep input objects, many variables."""
    size = draw(st.sampled_from([10, 10_000, 500_000, 1_500_000]))
    text = json.dumps("a" * size)
    documents = [
        f"{{ session(id: {text}) {{ id eventCount }} }}",
        f"{{ searchEvents(text: {text}) {{ sessionId }} }}",
        f"{{ sessions(filter: {{project: {text}, model: {text}}}) {{ edges {{ cursor }} }} }}",
        f"{{ sessions(after: {text}) {{ edges {{ cursor }} }} }}",
        f'{{ session(id: "x", minPosition: "{"9" * min(size, 400)}") {{ id }} }}',
        f"{{ sessions(minPosition: {draw(st.sampled_from(['1', '9007199254740993', '-1']))})"
        " { edges { cursor } } }",
        "{ agentMetrics(since: " + text + ") { eventCount } }",
        "{ sessions(first: " + "9" * min(size, 2000) + ") { edges { cursor } } }",
        "{ sessions(filter: " + "{project: " * 500 + '"x"' + "}" * 500 + ") { edges { cursor } } }",
        "{ timelinePosition " + "__typename " * min(size, 5_000) + "}",
        "query(" + ", ".join(f"$v{i}: String" for i in range(min(size, 3_000))) + ") { __typename }",
    ]  # fmt: skip
    return json.dumps({"query": draw(st.sampled_from(documents))}).encode()


def variables_body(value: Any) -> bytes:
    query = "query Q($id: String!, $f: SessionFilter) { session(id: $id) { id } " \
            "sessions(filter: $f) { edges { cursor } } }"  # fmt: skip
    return json.dumps({"query": query, "variables": value}).encode()


CONTENT_TYPES = ["application/json", "application/json", "application/graphql-response+json",
                 "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]  # fmt: skip


@FUZZ
@given(
    body=st.one_of(
        raw_bodies(),
        mutated(GRAPHQL_REQUEST, GRAPHQL_FIELDS),
        mutated(HOOKS, HOOK_FIELDS),  # a hook sent to the wrong door
        big_arguments(),
        st.dictionaries(st.sampled_from(["id", "f"]), json_values).map(variables_body),
    ),
    content_type=st.sampled_from(CONTENT_TYPES),
)
def test_the_graphql_door_answers_every_body_within_its_contract(fuzz_target, body, content_type):
    fuzz_target.send("POST", "/graphql", body, role=Role.VIEWER, content_type=content_type)


RULE = {
    "id": "fuzz-rule", "tools": ["Bash"], "decision": "deny", "priority": 2000,
    "when": {"command": {"program": "kubectl", "args_any": ["--context=prod"]}},
    "message": "fuzzing",
}  # fmt: skip
COMMANDS = [
    ("POST", "/v1/guardrails/rules", [RULE], ["id", "decision", "tools", "when", "priority", "message"]),
    ("PUT", "/v1/guardrails/rules/fuzz-rule", [RULE], ["id", "decision", "when"]),
    ("PUT", "/v1/guardrails/rules/fuzz-rule/mode", [{"mode": "shadow"}], ["mode"]),
    ("POST", "/v1/guardrails/quarantines", [{"kind": "session", "id": SID, "mode": "ask",
                                            "reason": "fuzz"}], ["kind", "id", "mode", "reason"]),
    ("POST", "/v1/alerts/00000000-0000-4000-8000-000000000000/acknowledge", [{"note": "n"}],
     ["note"]),
    ("POST", "/v1/alerts/not-a-uuid/resolve", [{"note": "n"}], ["note"]),
]  # fmt: skip


@st.composite
def yaml_bodies(draw: st.DrawFn) -> bytes:
    return draw(st.sampled_from([
        b"id: x\nwhen: {tool: Bash}\ndecision: deny\n", b"- a\n- b\n", b"a: &a [*a, *a]\n",
        b"!!python/object/apply:os.system ['true']\n", b"{? [1]: 2}\n", b"a: 1e999\n",
        b"\xff\xfe", b"id: " + b"[" * 2_000, b"a: !!binary AAAA\n", b"a: 2001-01-01\n",
        b"&a a: &b [*a, *b, *a]\n", b"id: x\nwhen: .nan\n",
    ])) + draw(st.binary(max_size=20))  # fmt: skip


@FUZZ
@given(
    command=st.sampled_from(COMMANDS),
    data=st.data(),
    yaml=st.booleans(),
)
def test_the_command_doors_answer_every_body_within_their_contract(
    fuzz_target, command, data, yaml
):
    method, path, bases, fields = command
    if yaml:
        body = data.draw(st.one_of(yaml_bodies(), raw_bodies()))
    else:
        body = data.draw(st.one_of(raw_bodies(), mutated(bases, fields)))
    kind = "application/yaml" if yaml else "application/json"
    response = fuzz_target.send(method, path, body, role=Role.OPERATOR, content_type=kind)
    if response.status_code < 300:  # keep later examples meaningful: the rule may exist now
        assert response.status_code == 202, response.text


@FUZZ
@given(
    name=st.one_of(st.text(max_size=300), st.sampled_from(["\x00", "..", "%2e%2e", "a/b", " "])),
    kind=st.sampled_from(["session", "agent", "x", ""]),
)
def test_odd_path_segments_answer_within_the_contract(fuzz_target, name, kind):
    from urllib.parse import quote

    segment = quote(name, safe="") or "x"
    fuzz_target.send("DELETE", f"/v1/guardrails/rules/{segment}", role=Role.OPERATOR)
    fuzz_target.send("DELETE", f"/v1/guardrails/quarantines/{kind or 'x'}/{segment}",
                     role=Role.OPERATOR)  # fmt: skip
    fuzz_target.send("GET", f"/v1/audit/sessions/{segment}/events", role=Role.AUDITOR)
    fuzz_target.send("POST", f"/v1/privacy/sessions/{segment}/erase", b"", role=Role.ADMIN)
