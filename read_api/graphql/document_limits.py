"""Bounds on how much work a GraphQL document can ask of validation, checked before it.

Validation rules and strawberry's depth and alias limiters walk a document with its fragment
spreads expanded, without memoising fragments: a few hundred bytes of fragments that each
spread the next one twice expand to 2^n fields and stall the event loop for minutes. Field
merging is quadratic in the fields of one selection set. So, before validation, the document's
size with every spread expanded is counted (each fragment once, memoised: linear in the
document), and a document over either bound is refused with one GraphQL error:

- ``MAX_EXPANDED_FIELDS`` fields in all, counted with fragments expanded;
- ``MAX_FIELDS_PER_SELECTION`` fields in one selection set (its fragments' fields included).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension

MAX_EXPANDED_FIELDS = 1_000
MAX_FIELDS_PER_SELECTION = 200


class DocumentTooLargeError(Exception):
    pass


class _Counter:
    """Expanded size of selection sets; each fragment is counted once."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.known: dict[str, tuple[int, int]] = {}
        self.visiting: set[str] = set()

    def size(self, selections: SelectionSetNode | None) -> tuple[int, int]:
        """(fields at this level, fields in all), fragments expanded."""
        width = total = 0
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                _, below = self.size(selection.selection_set)
                width, total = width + 1, total + 1 + below
            elif isinstance(selection, InlineFragmentNode):
                more, below = self.size(selection.selection_set)
                width, total = width + more, total + below
            elif isinstance(selection, FragmentSpreadNode):
                more, below = self.fragment(selection.name.value)
                width, total = width + more, total + below
            if width > MAX_FIELDS_PER_SELECTION:
                raise DocumentTooLargeError(
                    f"a selection set asks for more than {MAX_FIELDS_PER_SELECTION} fields"
                )
            if total > MAX_EXPANDED_FIELDS:
                raise DocumentTooLargeError(
                    f"the document asks for more than {MAX_EXPANDED_FIELDS} fields once its "
                    "fragments are expanded"
                )
        return width, total

    def fragment(self, name: str) -> tuple[int, int]:
        if name in self.known:
            return self.known[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return 0, 0  # unknown fragments and cycles are validation's to report
        self.visiting.add(name)
        self.known[name] = self.size(definition.selection_set)
        self.visiting.discard(name)
        return self.known[name]


def check_document(document: DocumentNode) -> None:
    """Raises ``DocumentTooLargeError`` if any operation expands beyond the bounds."""
    counter = _Counter(document)
    try:
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                counter.size(definition.selection_set)
    except RecursionError:
        raise DocumentTooLargeError("fragments spread each other too deeply") from None


class DocumentLimiter(SchemaExtension):
    """Refuses documents over the bounds before validation runs (see the module)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.pre_execution_errors is None:
            try:
                check_document(context.graphql_document)
            except DocumentTooLargeError as error:
                # Set before validation runs, these errors make strawberry skip validation.
                context.pre_execution_errors = [
                    GraphQLError(str(error), extensions={"code": "DOCUMENT_TOO_LARGE"})
                ]
        yield
