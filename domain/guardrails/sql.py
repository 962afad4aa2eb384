"""Destructive SQL in tool inputs, told apart with sqlglot rather than keyword matching.

``DELETE FROM t`` is destructive, ``DELETE FROM t WHERE …`` is not; ``SELECT 'DROP TABLE x'``
and ``-- DROP TABLE x`` are not statements at all. Text that does not parse but still carries a
destructive keyword is reported (a guard must not go blind on odd dialects).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

KINDS = ("truncate", "drop_table", "drop_database", "drop_schema", "delete_without_where",
         "update_without_where")  # fmt: skip
DEFAULT_KINDS = frozenset({"truncate", "drop_table", "drop_database", "delete_without_where"})

_KEYWORDS = re.compile(r"\b(truncate|drop|delete|update)\b", re.IGNORECASE)
_UNPARSED = {
    "truncate": re.compile(r"\btruncate\b", re.IGNORECASE),
    "drop_table": re.compile(r"\bdrop\s+table\b", re.IGNORECASE),
    "drop_database": re.compile(r"\bdrop\s+database\b", re.IGNORECASE),
    "drop_schema": re.compile(r"\bdrop\s+schema\b", re.IGNORECASE),
    "delete_without_where": re.compile(r"\bdelete\s+from\b(?![\s\S]*\bwhere\b)", re.IGNORECASE),
    "update_without_where": re.compile(
        r"\bupdate\s+\S+\s+set\b(?![\s\S]*\bwhere\b)", re.IGNORECASE
    ),
}


def destructive_kinds(text: str) -> set[str]:
    """The destructive statement kinds in a piece of SQL (empty when harmless)."""
    if not _KEYWORDS.search(text):
        return set()
    try:
        statements = sqlglot.parse(text)
    except SqlglotError:
        return {kind for kind, pattern in _UNPARSED.items() if pattern.search(text)}
    found: set[str] = set()
    for statement in statements:
        if statement is None:
            continue
        for node in statement.walk():
            found |= _kind(node)
    return found


def _kind(node: Any) -> set[str]:
    if isinstance(node, exp.TruncateTable):
        return {"truncate"}
    if isinstance(node, exp.Drop):
        kind = str(node.args.get("kind") or "").upper()
        return {f"drop_{kind.lower()}"} if kind in ("TABLE", "DATABASE", "SCHEMA") else set()
    if isinstance(node, exp.Delete) and not node.args.get("where"):
        return {"delete_without_where"}
    if isinstance(node, exp.Update) and not node.args.get("where"):
        return {"update_without_where"}
    return set()


def strings_in(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (tool inputs nest SQL anywhere)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
