"""GraphQL types from read-model records, by field name: a type says only what differs.

A field of the type takes the record's field of the same name; an enum field is built from
the stored value (an optional one is null when nothing is stored). Renamed or derived fields
(``id`` from ``session_id``, a fallback, a nested list) are the ``overrides``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.types.base import StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
Convert = Callable[[Any], Any] | None


def from_record(cls: type[T], record: DataclassInstance, **overrides: Any) -> T:
    """``cls(...)`` with every field it shares with ``record`` copied, then ``overrides``."""
    values: dict[str, Any] = {}
    for name, convert in _shared(cls, type(record)):
        if name not in overrides:
            value = getattr(record, name)
            values[name] = value if convert is None else convert(value)
    return cls(**values, **overrides)


_PLANS: dict[tuple[type[Any], type[Any]], tuple[tuple[str, Convert], ...]] = {}


def _shared(cls: type[Any], record: type[DataclassInstance]) -> tuple[tuple[str, Convert], ...]:
    """The constructor fields of ``cls`` that ``record`` also has, each with its conversion
    (worked out once per pair of classes)."""
    plan = _PLANS.get((cls, record))
    if plan is None:
        named = {f.name for f in dataclasses.fields(record)}
        types = {f.python_name: f.type for f in cls.__strawberry_definition__.fields}
        plan = _PLANS[(cls, record)] = tuple(
            (f.name, _conversion(types.get(f.name)))
            for f in dataclasses.fields(cls)
            if f.init and f.name in named
        )
    return plan


def _conversion(kind: Any) -> Convert:
    optional = isinstance(kind, StrawberryOptional)
    inner = kind.of_type if optional else kind
    if not isinstance(inner, StrawberryEnumDefinition):
        return None
    enum = inner.wrapped_cls
    return (lambda value: enum(value) if value else None) if optional else enum
