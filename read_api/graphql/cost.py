"""What a query may ask for, refused before anything is resolved.

Depth, alias and token limits bound the *shape* of a query but not what it returns:
30 aliases of ``sessions(first: 200) { edges { node { events(first: 200) { … payload } } } }``
stay within them and still ask for 1.2 million payloads. This rule estimates, from the
document and its variables alone:

* **items**: list elements the query can return. A field's multiplier is its ``first``
  (argument, variable or schema default), a connection's ``edges`` add nothing of their own,
  any other list of objects counts ``UNPAGED_LIST_SIZE``; nested multipliers multiply, sibling
  fields and aliases add up.
* **bytes**: each leaf field times the number of times it can appear, weighted
  (``PAYLOAD_BYTES`` for the hook payloads, ``JSON_BYTES`` for other JSON values,
  ``LEAF_BYTES`` otherwise).

A query over ``MAX_ITEMS`` or ``MAX_BYTES`` gets ``QUERY_TOO_COSTLY``; a ``first`` outside
1…its maximum gets ``BAD_PAGE`` (``paging.bad_page``, the error the resolvers raise). Both
are validation errors: the answer comes before any resolver runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    VariableNode,
    get_named_type,
    get_nullable_type,
)
from graphql.validation import ValidationRule
from strawberry.extensions import SchemaExtension

from read_api.graphql import budget
from read_api.graphql.budget import ResponseBudget
from read_api.graphql.context import ReadContext
from read_api.graphql.types.paging import MAX_PAGE, bad_page, page_maximum

MAX_ITEMS = 20_000
MAX_BYTES = 32 * 1024 * 1024
UNPAGED_LIST_SIZE = 20
PAYLOAD_BYTES = 2048  # a hook payload: median 0.6 KiB, p90 1.9 KiB in the corpus
JSON_BYTES = 256
LEAF_BYTES = 16
MAX_STEPS = 100_000  # fields visited: fragments spreading fragments twice grow exponentially
PAYLOAD_FIELDS = frozenset({"Event.payload", "SearchHit.payload"})


class Estimate:
    """Running totals of one operation."""

    def __init__(self) -> None:
        self.items = 0
        self.bytes = 0
        self.steps = 0


class _TooManySteps(Exception):
    pass


class QueryCostRule(ValidationRule):
    """Refuses an operation whose estimated answer exceeds the budgets (see module doc)."""

    variables: Mapping[str, Any] = {}

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.fragments = {
            d.name.value: d
            for d in context.document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
        root = {
            OperationType.QUERY: self.context.schema.query_type,
            OperationType.MUTATION: self.context.schema.mutation_type,
            OperationType.SUBSCRIPTION: self.context.schema.subscription_type,
        }[node.operation]
        if root is None:
            return
        estimate = Estimate()
        try:
            self._selections(node.selection_set, root, 1, estimate, frozenset())
        except _TooManySteps:
            estimate.items = max(estimate.items, MAX_ITEMS + 1)
        if estimate.items > MAX_ITEMS or estimate.bytes > MAX_BYTES:
            self.report_error(
                GraphQLError(
                    f"this query could return {estimate.items:,} items and about "
                    f"{estimate.bytes / 1_048_576:,.1f} MiB; the limits are {MAX_ITEMS:,} items "
                    f"and {MAX_BYTES // 1_048_576} MiB per query: ask for smaller pages "
                    "(`first`), fewer aliases or fewer payloads, and page on with `after`",
                    node,
                    extensions={
                        "code": "QUERY_TOO_COSTLY",
                        "items": estimate.items,
                        "bytes": estimate.bytes,
                        "maxItems": MAX_ITEMS,
                        "maxBytes": MAX_BYTES,
                    },
                )
            )

    def _selections(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType,
        multiplier: int,
        estimate: Estimate,
        seen: frozenset[str],
    ) -> None:
        for field, owner in self._fields(selection_set, parent, seen):
            estimate.steps += 1
            if estimate.steps > MAX_STEPS:
                raise _TooManySteps
            if not isinstance(owner, GraphQLObjectType) or field.name.value not in owner.fields:
                continue  # an interface, a union or an unknown field: other rules say so
            self._field(field, owner, multiplier, estimate, seen)

    def _field(
        self,
        field: FieldNode,
        owner: GraphQLObjectType,
        multiplier: int,
        estimate: Estimate,
        seen: frozenset[str],
    ) -> None:
        name = field.name.value
        definition = owner.fields[name]
        target = get_named_type(definition.type)
        if field.selection_set is None:
            weight = LEAF_BYTES
            if f"{owner.name}.{name}" in PAYLOAD_FIELDS:
                weight = PAYLOAD_BYTES
            elif isinstance(target, GraphQLScalarType) and target.name == "JSON":
                weight = JSON_BYTES
            estimate.bytes += multiplier * weight
            return
        size = 1
        if "first" in definition.args:
            size = self._first(field, owner, definition.args["first"].default_value)
        elif isinstance(get_nullable_type(definition.type), GraphQLList):
            size = 1 if name == "edges" and owner.name.endswith("Connection") else UNPAGED_LIST_SIZE
        multiplier *= size
        if size > 1 or "first" in definition.args:
            estimate.items += multiplier
        self._selections(field.selection_set, target, multiplier, estimate, seen)

    def _first(self, field: FieldNode, owner: GraphQLObjectType, default: object) -> int:
        value: object = default
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value, default)
        if not isinstance(value, int) or isinstance(value, bool):
            return MAX_PAGE  # not an Int: the type check refuses it; assume the worst here
        name = f"{owner.name}.{field.name.value}"
        if not 1 <= value <= page_maximum(name):
            self.report_error(bad_page(name, value, field))
            return 1
        return value

    def _fields(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType,
        seen: frozenset[str],
    ) -> Iterator[tuple[FieldNode, GraphQLNamedType]]:
        """The fields selected, fragments expanded (a fragment cycle is expanded once)."""
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                owner = parent
                if selection.type_condition is not None:
                    owner = (
                        self.context.schema.get_type(selection.type_condition.name.value) or parent
                    )
                yield from self._fields(selection.selection_set, owner, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                owner = self.context.schema.get_type(fragment.type_condition.name.value) or parent
                yield from self._fields(fragment.selection_set, owner, seen | {name})


class QueryCostLimiter(SchemaExtension):
    """Adds ``QueryCostRule`` to the validation of each operation, bound to its variables
    (validation rules see the document only; page sizes often come in variables)."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        if isinstance(context.context, ReadContext):
            context.context.budget = ResponseBudget(budget.MAX_RESPONSE_BYTES)
        variables = dict(context.variables or {})
        rule: Callable[[ValidationContext], ValidationRule] = type(
            "BoundQueryCostRule", (QueryCostRule,), {"variables": variables}
        )
        context.validation_rules = (*context.validation_rules, rule)  # type: ignore[arg-type]
        yield
