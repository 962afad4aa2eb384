"""SQL that PostgreSQL views derive from their table descriptions (``<view>/tables.py``)."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql.base import PGDialect

_DIALECT = PGDialect()  # type: ignore[no-untyped-call]


def insert(table: Table, alias: str | None = None) -> str:
    """``INSERT`` of every column of ``table``, each from the parameter of its name (so a row
    is a dict, or ``vars`` of a change that names its fields like the columns)."""
    names = [column.name for column in table.columns]
    values = ", ".join(f"%({name})s" for name in names)
    target = f"{table.name} AS {alias}" if alias else table.name
    return f"INSERT INTO {target} ({', '.join(names)})\nVALUES ({values})"


def column_types(table: Table) -> dict[str, str]:
    """Each column's PostgreSQL type name (``bigint``, ``timestamp with time zone``, …), for
    casts and binary COPY."""
    return {c.name: c.type.compile(dialect=_DIALECT).lower() for c in table.columns}
