"""Relay-style connections for our own node types (ids stay the product's own ids)."""

from __future__ import annotations

from typing import Generic, TypeVar

import strawberry
from strawberry.relay import PageInfo

T = TypeVar("T")


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
