"""Destructive SQL in tool inputs, told apart with sqlglot rather than keyword matching.

``DELETE FROM t`` is destructive, ``DELETE FROM t WHERE …`` is not — unless the condition is
always true (``WHERE 1=1``, ``WHERE true OR id = 3``); ``SELECT 'DROP TABLE x'`` and
``-- DROP TABLE x`` are not statements at all. SQL that runs other SQL is read through:
``EXPLAIN ANALYZE <statement>`` executes it, ``DO $$ … $$`` blocks run their body and every
string they ``EXECUTE``. Text that does not parse but still carries a destructive keyword is
reported when it reads as SQL (it starts with a statement keyword, or sits in a field named like
``sql`` or ``query``): a guard must not go blind on odd dialects, nor block prose that only
mentions ``DROP TABLE``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.simplify import simplify

KINDS = ("truncate", "drop_table", "drop_database", "drop_schema", "delete_without_where",
         "update_without_where")  # fmt: skip
DEFAULT_KINDS = frozenset(KINDS)
MAX_NESTING = 4
SQL_FIELDS = frozenset({"sql", "query", "statement", "statements", "stmt", "q", "script",
                        "command", "queries", "code"})  # fmt: skip
"""Input fields whose text is SQL even when it does not parse."""

_KEYWORDS = re.compile(r"\b(truncate|drop|delete|update)\b", re.IGNORECASE)
_COMMENTS = re.compile(r"--[^\n]*|/\*[\s\S]*?\*/")
_STATEMENT_START = re.compile(
    r"^\s*(?:with|select|insert|update|delete|drop|truncate|alter|create|do|explain|begin|"
    r"start|commit|rollback|execute|exec|call|merge|replace|grant|revoke|set|prepare)\b",
    re.IGNORECASE,
)
_UNPARSED = {
    "truncate": re.compile(r"\btruncate\b", re.IGNORECASE),
    "drop_table": re.compile(r"\bdrop\s+(?:temporary\s+|temp\s+)?table\b", re.IGNORECASE),
    "drop_database": re.compile(r"\bdrop\s+database\b", re.IGNORECASE),
    "drop_schema": re.compile(r"\bdrop\s+schema\b", re.IGNORECASE),
    "delete_without_where": re.compile(r"\bdelete\s+from\b(?![\s\S]*\bwhere\b)", re.IGNORECASE),
    "update_without_where": re.compile(
        r"\bupdate\s+\S+\s+set\b(?![\s\S]*\bwhere\b)", re.IGNORECASE
    ),
}
_EXPLAIN = re.compile(r"^\s*analy[sz]e\s+(?:verbose\s+)?", re.IGNORECASE)
_EXPLAIN_OPTIONS = re.compile(r"^\s*\(([^)]*)\)\s*", re.IGNORECASE)
_DOLLAR_BODY = re.compile(r"\$(\w*)\$([\s\S]*?)\$\1\$")
_STRING = re.compile(r"'((?:[^']|'')*)'")
_PLPGSQL_WORDS = re.compile(r"\b(?:begin|end|declare|loop|end\s+loop|if|then|else|end\s+if)\b",
                            re.IGNORECASE)  # fmt: skip
_DO = re.compile(r"^\s*do\b", re.IGNORECASE)
_DO_STRING = re.compile(r"\bdo\s+(?:language\s+\w+\s+)?'((?:[^']|'')*)'", re.IGNORECASE)
_EXECUTED = re.compile(
    r"\bexecute\s+(?:format\s*\(\s*)?((?:'(?:[^']|'')*'\s*(?:\|\|\s*)?)+)", re.IGNORECASE
)
_PREPARED = re.compile(r"^\s*\S+\s*(?:\([^)]*\))?\s+as\s+", re.IGNORECASE)

logging.getLogger("sqlglot").setLevel(logging.ERROR)


def destructive_kinds(text: str, *, sql_field: bool = False, nesting: int = 0) -> set[str]:
    """The destructive statement kinds in a piece of SQL (empty when harmless)."""
    if nesting > MAX_NESTING:
        return set()
    if not _KEYWORDS.search(text) and "execute" not in text.lower():  # EXECUTE 'TRUNC' || 'ATE t'
        return set()
    code = _COMMENTS.sub(" ", text)
    reads_as_sql = sql_field or _STATEMENT_START.match(code) is not None
    found = _wrapped(code, nesting) if reads_as_sql else set()
    try:
        statements = sqlglot.parse(text)
    except SqlglotError:
        if not sql_field:  # prose that merely starts like SQL is not judged by keywords
            return found
        # Keywords inside string literals and dollar-quoted bodies are not statements (the
        # bodies of DO blocks were read above).
        bare = _STRING.sub("''", _DOLLAR_BODY.sub("''", code))
        return found | {kind for kind, pattern in _UNPARSED.items() if pattern.search(bare)}
    if not reads_as_sql:
        return found
    for statement in statements:
        if statement is None:
            continue
        for node in statement.walk():
            found |= _kind(node, nesting)
    return found


def _wrapped(code: str, nesting: int) -> set[str]:
    """What ``DO`` blocks run: their body's statements, and every string they ``EXECUTE``
    (adjacent literals joined by ``||`` read as one). A string only printed
    (``RAISE NOTICE 'DROP TABLE x'``) is not run."""
    found: set[str] = set()
    if not _DO.search(code) and "execute" not in code.lower():
        return found
    bodies = [m.group(2) for m in _DOLLAR_BODY.finditer(code)]
    bodies += [m.group(1).replace("''", "'") for m in _DO_STRING.finditer(code)]
    for body in bodies:
        for executed in _EXECUTED.finditer(body):
            text = "".join(
                m.group(1).replace("''", "'") for m in _STRING.finditer(executed.group(1))
            )
            found |= destructive_kinds(text, sql_field=True, nesting=nesting + 1)
        for statement in _PLPGSQL_WORDS.sub(";", _STRING.sub("''", body)).split(";"):
            if statement.strip():
                found |= destructive_kinds(statement, sql_field=True, nesting=nesting + 1)
    return found


def _kind(node: Any, nesting: int) -> set[str]:
    if isinstance(node, exp.TruncateTable):
        return {"truncate"}
    if isinstance(node, exp.Drop):
        kind = str(node.args.get("kind") or "").upper()
        return {f"drop_{kind.lower()}"} if kind in ("TABLE", "DATABASE", "SCHEMA") else set()
    if isinstance(node, exp.Delete) and _unbounded(node):
        return {"delete_without_where"}
    if isinstance(node, exp.Update) and _unbounded(node):
        return {"update_without_where"}
    if isinstance(node, exp.Command):
        return _command(node, nesting)
    return set()


def _unbounded(node: exp.Expression) -> bool:
    """No WHERE, or a WHERE that is true for every row (``1=1``, ``x OR true``)."""
    where = node.args.get("where")
    if where is None:
        return True
    try:
        condition = simplify(where.this.copy())
    except (SqlglotError, RecursionError, TypeError, ValueError):
        return False
    if isinstance(condition, exp.Boolean):
        return bool(condition.this)
    if isinstance(condition, exp.Literal):
        return condition.this not in ("0", "")
    return isinstance(condition, exp.EQ) and condition.this == condition.expression


def _command(node: exp.Command, nesting: int) -> set[str]:
    """Statements sqlglot keeps as text: ``EXPLAIN ANALYZE …`` runs what it explains."""
    name = str(node.this).upper()
    rest = node.expression
    text = str(rest.this if isinstance(rest, exp.Literal) else rest or "")
    if name == "EXPLAIN":
        options = _EXPLAIN_OPTIONS.match(text)
        if options is not None and "analy" in options.group(1).lower():
            return destructive_kinds(text[options.end() :], sql_field=True, nesting=nesting + 1)
        analysed = _EXPLAIN.match(text)
        if analysed is not None and analysed.end() > 0:
            return destructive_kinds(text[analysed.end() :], sql_field=True, nesting=nesting + 1)
        return set()
    if name in ("DO", "EXECUTE", "EXEC"):
        return destructive_kinds(text, sql_field=True, nesting=nesting + 1)
    if name == "TRUNCATE":  # forms sqlglot keeps as text: TRUNCATE ONLY t, TRUNCATE TABLE ONLY t
        return {"truncate"}
    if name == "PREPARE":  # PREPARE p AS <statement>: what EXECUTE p will run
        prepared = _PREPARED.match(text)
        if prepared is not None:
            return destructive_kinds(text[prepared.end() :], sql_field=True, nesting=nesting + 1)
    return set()


def is_sql_field(name: str) -> bool:
    """``sql``, ``query``, ``sqlQuery``, ``query_text``, ``statements``…"""
    lowered = name.lower()
    return lowered in SQL_FIELDS or any(part in lowered for part in ("sql", "query", "statement"))


def strings_in(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside a JSON value, with the name of the field it sits in."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from strings_in(item, str(name))
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item, key)
