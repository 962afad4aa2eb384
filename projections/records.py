"""Read-model records from query rows: a record's fields are spelled like its table's columns,
so a row becomes a record by name (a column the record does not name is left out)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")


def record(cls: type[R], row: Any) -> R:
    """``cls`` (a dataclass) with each field taken from the ``row`` column of the same name."""
    mapping = row._mapping
    return cls(**{name: mapping[name] for name in cls.__dataclass_fields__})
