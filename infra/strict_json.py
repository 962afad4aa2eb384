"""Strict JSON for every door that takes a body: what Python's json module would let
through, we refuse.

Refused, each with its own reason: bytes that are not UTF-8, text that is not JSON, duplicate
object keys (two readers could see two different requests), lone UTF-16 surrogates (they cannot
be stored or re-encoded), NaN/Infinity and numbers too large for a double, numbers with more
digits after the point than PostgreSQL's ``jsonb`` keeps (read models store payloads there),
nesting deeper than the configured limit, and (``parse_object``) a top level that is not an
object.

Fast path: a body that is exactly msgspec's own encoding of what msgspec decodes from it (the
compact form Claude Code's ``JSON.stringify`` sends) is taken as msgspec decoded it, after the
depth check, in about a tenth of the time. That equality rules out everything refused above:
a repeated key would be missing from the re-encoding, NaN, infinities, lone surrogates and
integers Python will not convert fail msgspec's decoding or encoding, and a number with more
digits than a double keeps is not in its shortest form. Anything else (other spacing,
escapes, number forms, any failure) takes the full parser, which alone says why a body is
refused; tests/unit/test_strict_json.py checks the two agree on generated bodies.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

import msgspec

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_FRACTION_DIGITS = 16_383
"""PostgreSQL's numeric (and so jsonb) keeps at most this many digits after the point."""


class BodyRejectedError(ValueError):
    """A body we will not record; ``reason`` is a stable machine-readable code."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise BodyRejectedError("duplicate_keys", f"the key {key!r} appears more than once")
            seen.add(key)
    return obj


def _constant(name: str) -> Any:
    raise BodyRejectedError("non_finite_number", f"{name} is not valid JSON")


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise BodyRejectedError("non_finite_number", f"{text[:40]} is too large for a number")
    if len(text) > 300 or "e" in text or "E" in text:  # the only ways to need many digits
        exponent = Decimal(text).as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MAX_FRACTION_DIGITS:
            raise BodyRejectedError(
                "number_out_of_range",
                f"{text[:40]} has more than {MAX_FRACTION_DIGITS} digits after the point",
            )
    return value


def parse_object(body: bytes, max_depth: int) -> dict[str, Any]:
    """Parses a JSON object strictly, or raises ``BodyRejectedError``."""
    value = parse_value(body, max_depth)
    if not isinstance(value, dict):
        raise BodyRejectedError("not_an_object", f"expected a JSON object, got {_kind(value)}")
    return value


_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode
_MISS = object()


def parse_value(body: bytes, max_depth: int) -> Any:
    """Parses any JSON value strictly, or raises ``BodyRejectedError``."""
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    value = _canonical(body, max_depth)
    return _parse(body, max_depth) if value is _MISS else value


def _canonical(body: bytes, max_depth: int) -> Any:
    """The value of a body in msgspec's canonical form within the depth limit, else ``_MISS``
    (see the module doc)."""
    try:
        value = _decode(body)
        if _encode(value) != body:
            return _MISS
    except (msgspec.MsgspecError, ValueError, OverflowError, RecursionError):
        return _MISS
    if isinstance(value, (dict, list)) and body.count(b"{") + body.count(b"[") > max_depth:
        try:
            _check(value, max_depth, check_surrogates=False)
        except BodyRejectedError:
            return _MISS  # the full parser says it the way it always has
    return value


def _parse(body: bytes, max_depth: int) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BodyRejectedError(
            "invalid_utf8", f"the body is not UTF-8 (byte {error.start})"
        ) from None
    try:
        value = json.loads(
            text, object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_float
        )
    except BodyRejectedError:
        raise
    except RecursionError:
        raise BodyRejectedError(
            "nesting_too_deep", f"nesting deeper than {max_depth} levels"
        ) from None
    except json.JSONDecodeError as error:
        raise BodyRejectedError(
            "invalid_json", f"{error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except ValueError:  # an integer with more digits than Python converts
        raise BodyRejectedError("invalid_json", "a number has too many digits") from None
    if isinstance(value, (dict, list)):
        _check(value, max_depth, check_surrogates=bool(_SURROGATE_ESCAPE.search(body)))
    elif isinstance(value, str) and _LONE_SURROGATE.search(value):
        raise _surrogate()
    return value


def _check(root: Any, max_depth: int, *, check_surrogates: bool) -> None:
    """Depth of containers, and (only when the body has surrogate escapes) lone surrogates."""
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            raise BodyRejectedError("nesting_too_deep", f"nesting deeper than {max_depth} levels")
        items = value.values() if isinstance(value, dict) else value
        if check_surrogates:
            keys = value.keys() if isinstance(value, dict) else ()
            texts = list(keys) + [i for i in items if isinstance(i, str)]
            if any(_LONE_SURROGATE.search(text) for text in texts):
                raise _surrogate()
        stack.extend((item, depth + 1) for item in items if isinstance(item, (dict, list)))


def _surrogate() -> BodyRejectedError:
    return BodyRejectedError(
        "invalid_unicode", "a string holds a lone UTF-16 surrogate (\\ud800-\\udfff)"
    )


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )
