"""The GraphQL cost rule: page sizes multiply, aliases add up, payloads weigh, and every
``first`` over its maximum is refused — all before any resolver runs."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLError, GraphQLObjectType, parse, validate

from read_api.graphql.cost import MAX_ITEMS, QueryCostRule
from read_api.graphql.schema import build_schema
from read_api.graphql.types.paging import page_maximum

SCHEMA = build_schema()
SINCE = '"2026-01-01T00:00:00Z"'
# One query per list that takes `first`, with {first} to fill in.
PAGED = {
    "Query.sessions": "{ sessions(first: {first}) { edges { cursor } } }",
    "Query.guardrailDecisions": "{ guardrailDecisions(first: {first}) { edges { cursor } } }",
    "Query.guardrailPolicyHistory": "{ guardrailPolicyHistory(first: {first}) { version } }",
    "Query.alerts": "{ alerts(first: {first}) { edges { cursor } } }",
    "Query.auditLog": "{ auditLog(first: {first}) { edges { cursor } } }",
    "Query.agentMetricsBreakdown": "{ agentMetricsBreakdown(by: TOOL, since: " + SINCE
    + ", first: {first}) { key } }",
    "Query.usage": "{ usage(by: MODEL, since: " + SINCE + ", first: {first}) { key } }",
    "Query.activity": "{ activity(by: MODEL, since: " + SINCE + ", first: {first}) { key } }",
    "Query.liveSessions": "{ liveSessions(first: {first}) { sessionId } }",
    "Query.topTools": "{ topTools(first: {first}) { toolName } }",
    "Query.slowestTools": "{ slowestTools(first: {first}) { toolName } }",
    "Query.searchEvents": '{ searchEvents(text: "x", first: {first}) { hook } }',
    "Session.events": '{ session(id: "s") { events(first: {first}) { edges { cursor } } } }',
    "LiveSession.recentEvents": '{ liveSession(id: "s") { recentEvents(first: {first}) { kind } } }',
}  # fmt: skip
NESTED = """query($s: Int!, $e: Int!) { sessions(first: $s) { edges { node {
  events(first: $e) { edges { node { position payload } } } } } } }"""


def refusals(query: str, **variables: Any) -> list[GraphQLError]:
    rule = type("Bound", (QueryCostRule,), {"variables": variables})
    return validate(SCHEMA._schema, parse(query), [rule])


def codes(query: str, **variables: Any) -> list[str]:
    return [str((e.extensions or {}).get("code")) for e in refusals(query, **variables)]


def test_every_first_argument_in_the_schema_is_covered_here():
    fields = {
        f"{name}.{field}"
        for name, kind in SCHEMA._schema.type_map.items()
        if isinstance(kind, GraphQLObjectType) and not name.startswith("__")
        for field, definition in kind.fields.items()
        if "first" in definition.args
    }
    assert fields == set(PAGED)


@pytest.mark.parametrize("field", sorted(PAGED))
def test_a_first_over_the_maximum_is_refused_as_bad_page(field):
    query = PAGED[field]
    maximum = page_maximum(field)
    assert codes(query.replace("{first}", str(maximum))) == []
    assert codes(query.replace("{first}", str(maximum + 1))) == ["BAD_PAGE"]
    assert codes(query.replace("{first}", "201")) == ["BAD_PAGE"]
    assert codes(query.replace("{first}", "2147483647")) == ["BAD_PAGE"]
    assert codes(query.replace("{first}", "0")) == ["BAD_PAGE"]


def test_a_first_in_a_variable_is_checked_too():
    assert codes(NESTED, s=10, e=201) == ["BAD_PAGE"]
    assert codes(NESTED, s=10, e=100) == []


def test_nested_pages_multiply():
    assert codes(NESTED, s=100, e=100) == []  # 10,100 items, about 20 MiB of payloads
    refused = refusals(NESTED, s=200, e=200)
    assert [e.extensions["code"] for e in refused] == ["QUERY_TOO_COSTLY"]  # type: ignore[index]
    assert refused[0].extensions["items"] == 200 + 200 * 200  # type: ignore[index]
    assert "first" in refused[0].message and "after" in refused[0].message


def test_aliases_add_up():
    one = "a0: sessions(first: 50) { edges { node { events(first: 200) { edges { node { payload } } } } } }"
    assert codes("{ " + one + " }") == []
    many = " ".join(one.replace("a0", f"a{i}") for i in range(30))
    refused = refusals("{ " + many + " }")
    assert refused[0].extensions["items"] == 30 * (50 + 50 * 200)  # type: ignore[index]


def test_payload_bytes_count_even_when_items_are_few():
    assert codes(NESTED.replace("position payload", "position"), s=90, e=200) == []
    refused = refusals(NESTED, s=90, e=200)  # 18,090 items, 18,000 payloads
    assert refused and refused[0].extensions["items"] <= MAX_ITEMS  # type: ignore[index]
    assert refused[0].extensions["code"] == "QUERY_TOO_COSTLY"  # type: ignore[index]


def test_fragments_are_expanded_and_cycles_do_not_hang():
    fragments = """query { sessions(first: 200) { edges { node { ...S } } } }
      fragment S on Session { events(first: 200) { edges { node { payload } } } }"""
    assert "QUERY_TOO_COSTLY" in codes(fragments)
    cycle = """query { session(id: "s") { ...A } }
      fragment A on Session { id ...B } fragment B on Session { id ...A }"""
    assert "QUERY_TOO_COSTLY" not in codes(cycle)
    doubling = 'query { session(id: "s") { ...F0 } } ' + " ".join(
        f"fragment F{i} on Session {{ id ...F{i + 1} ...F{i + 1} }}" for i in range(60)
    ) + " fragment F60 on Session { id }"  # fmt: skip
    assert "QUERY_TOO_COSTLY" in codes(doubling)
