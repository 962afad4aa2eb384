"""Relay-style connections for our own node types (ids stay the product's own ids)."""

from __future__ import annotations

from typing import Generic, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.relay import PageInfo

T = TypeVar("T")

MAX_PAGE = 200
# Lists whose maximum is not MAX_PAGE, by "<Type>.<field>" (live state keeps 100 events).
PAGE_MAXIMA = {"LiveSession.recentEvents": 100}


def page_maximum(field: str) -> int:
    """The largest ``first`` the field ``<Type>.<field>`` accepts."""
    return PAGE_MAXIMA.get(field, MAX_PAGE)


def check_first(first: int, field: str) -> int:
    """``first`` itself, or BAD_PAGE when it is outside 1…the field's maximum (never clamped:
    a caller asking for more than we give would otherwise miss rows silently)."""
    maximum = page_maximum(field)
    if not 1 <= first <= maximum:
        raise GraphQLError(
            f"{field.rpartition('.')[2]}: first must be between 1 and {maximum} (got {first})",
            extensions={"code": "BAD_PAGE"},
        )
    return first


@strawberry.type
class Edge(Generic[T]):
    node: T
    cursor: str


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def page_info(cursors: list[str], more: bool, has_previous: bool) -> PageInfo:
    return PageInfo(
        has_next_page=more,
        has_previous_page=has_previous,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )
