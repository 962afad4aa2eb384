"""Relay-style connections for our own node types (ids stay the product's own ids), and the
one way every list field checks its page, at the top level or nested (a session's events):

* ``first`` outside 1…the field's maximum: ``BAD_PAGE`` (never clamped: a caller asking for
  more than we give would otherwise miss rows silently); the cost rule (``graphql.cost``)
  answers the same error before resolving when the document or its variables say ``first``;
* ``after`` that is not a cursor of the field's kind: ``BAD_CURSOR``.

A cursor is an opaque base64 of ``<kind>:<position>``: the global position of the row's event,
so it stays valid while the list grows.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry
from graphql import GraphQLError, Node
from strawberry.relay import PageInfo

T = TypeVar("T")

MAX_PAGE = 200
# Lists whose maximum is not MAX_PAGE, by "<Type>.<field>" (live state keeps 100 events).
PAGE_MAXIMA = {"LiveSession.recentEvents": 100}


def page_maximum(field: str) -> int:
    """The largest ``first`` the field ``<Type>.<field>`` accepts."""
    return PAGE_MAXIMA.get(field, MAX_PAGE)


def bad_page(field: str, first: object, node: Node | None = None) -> GraphQLError:
    """The error for a ``first`` outside what the field ``<Type>.<field>`` accepts."""
    return GraphQLError(
        f"{field.rpartition('.')[2]}: first must be between 1 and {page_maximum(field)} "
        f"(got {first})",
        node,
        extensions={"code": "BAD_PAGE"},
    )


def check_first(first: int, field: str) -> int:
    """``first`` itself, or ``BAD_PAGE`` when it is outside 1…the field's maximum."""
    if not 1 <= first <= page_maximum(field):
        raise bad_page(field, first)
    return first


def encode_cursor(kind: str, position: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode()


def decode_cursor(kind: str, cursor: str) -> int:
    """The position a cursor of ``kind`` names, or ``BAD_CURSOR``."""
    try:
        prefix, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        position = int(value)
    except (ValueError, UnicodeDecodeError):
        prefix, position = "", -1
    if prefix != kind or position < 0:
        raise GraphQLError(f"not a {kind} cursor: {cursor!r}", extensions={"code": "BAD_CURSOR"})
    return position


@strawberry.type
class Edge(Generic[T]):
    node: T
    cursor: str


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


@dataclass(frozen=True)
class Page:
    """One checked page request of a connection field (``Page.of``), and its answer
    (``connection``)."""

    kind: str
    first: int
    after: str | None
    position: int | None
    """The position ``after`` names (None: from the start of the list)."""

    @classmethod
    def of(cls, field: str, kind: str, first: int, after: str | None) -> Page:
        """Checks ``first`` and ``after`` for the field ``<Type>.<field>`` (BAD_PAGE,
        BAD_CURSOR); ``kind`` names the field's cursors."""
        check_first(first, field)
        return cls(kind, first, after, decode_cursor(kind, after) if after else None)

    def connection(self, nodes: Iterable[tuple[T, int]], more: bool) -> Connection[T]:
        """The page of ``(node, position)`` pairs, in list order."""
        edges = [Edge(node=node, cursor=encode_cursor(self.kind, at)) for node, at in nodes]
        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=more,
                has_previous_page=self.after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
