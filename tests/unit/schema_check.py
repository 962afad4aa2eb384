"""A small JSON Schema (draft 2020-12) checker for the keywords our stream schemas use.

(The ``jsonschema`` package is not a dependency; the keywords below are all we generate.)
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from uuid import UUID

TYPES = {
    "object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
}  # fmt: skip
KNOWN = {"$schema", "$id", "title", "description", "type", "required", "additionalProperties",
         "properties", "items", "const", "enum", "pattern", "minimum", "format"}  # fmt: skip


def _is(value: Any, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, TYPES[kind])


def validate(value: Any, schema: dict[str, Any], path: str = "$") -> None:
    """Raises AssertionError naming the first place ``value`` breaks ``schema``."""
    unknown = set(schema) - KNOWN
    assert not unknown, f"{path}: checker does not know {unknown}"
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        assert any(_is(value, k) for k in kinds), f"{path}: {value!r} is not {kinds}"
    if "const" in schema:
        assert value == schema["const"], f"{path}: {value!r} != {schema['const']!r}"
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"
    if "pattern" in schema and isinstance(value, str):
        assert re.search(schema["pattern"], value), f"{path}: {value!r} !~ {schema['pattern']}"
    if "minimum" in schema and _is(value, "number"):
        assert value >= schema["minimum"], f"{path}: {value} < {schema['minimum']}"
    if schema.get("format") == "date-time" and isinstance(value, str):
        assert datetime.fromisoformat(value).tzinfo is not None, f"{path}: {value!r} naive"
    if schema.get("format") == "uuid" and isinstance(value, str):
        UUID(value)
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{path}: missing {key!r}"
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            extra = set(value) - set(properties)
            assert not extra, f"{path}: unexpected {extra}"
        for key, item in value.items():
            if key in properties:
                validate(item, properties[key], f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            validate(item, schema["items"], f"{path}[{index}]")
