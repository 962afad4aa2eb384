"""Documents that would make validation exponential or quadratic are refused before it runs
(issue 10: fragment spreads stalled the event loop). That validation never ran is checked by
watching strawberry's validation step, not by a clock; how long the check takes is measured by
no test (the 2^60-field bomb would not finish if validation ran: pytest's timeout catches it)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import strawberry.schema.schema
from graphql import DocumentNode, GraphQLError, parse
from strawberry.schema.schema import validate_document

from read_api.graphql.document_limits import (
    MAX_FIELDS_PER_SELECTION,
    DocumentTooLargeError,
    check_document,
)
from read_api.graphql.schema import build_schema


def fragment_bomb(levels: int) -> str:
    """~40 bytes per level; each level spreads the next twice: 2^levels fields."""
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return f"query {{ ...F0 }} {chain} fragment F{levels} on Query {{ __typename }}"


DASHBOARD = """
query Fleet($first: Int!) {
  sessions(first: $first) { edges { cursor node { ...S } } pageInfo { hasNextPage endCursor } }
}
fragment S on Session { id status eventCount model project
  toolCalls { toolUseId toolName status durationMs agentId attribution }
  subagents { agentId agentType attribution } }
"""


@pytest.mark.parametrize(
    "document",
    [
        fragment_bomb(60),
        "{ " + "__typename " * (MAX_FIELDS_PER_SELECTION + 1) + "}",
        "{ " + ("sessions { edges { node { " + "id " * 60 + "} } } ") * 20 + "}",
    ],
    ids=["fragment-bomb", "wide-selection", "many-fields"],
)
def test_documents_over_the_bounds_are_refused_before_validation(document, monkeypatch):
    validated: list[DocumentNode] = []

    def watched(schema: Any, node: DocumentNode, rules: Any) -> list[GraphQLError]:
        validated.append(node)
        return validate_document(schema, node, rules)

    monkeypatch.setattr(strawberry.schema.schema, "validate_document", watched)
    schema = build_schema()
    result = asyncio.run(schema.execute(document))
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "DOCUMENT_TOO_LARGE"}
    assert validated == []
    assert asyncio.run(schema.execute("{ __typename }")).errors is None
    assert len(validated) == 1  # what was watched is the validation step


def test_a_dashboard_query_is_within_the_bounds():
    check_document(parse(DASHBOARD))


def test_fragment_cycles_are_left_to_validation():
    check_document(
        parse("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
    )


def test_a_bomb_is_counted_in_linear_time():
    with pytest.raises(DocumentTooLargeError):
        check_document(parse(fragment_bomb(300)))
