"""The ingest parser refuses what plain json.loads would let through, and only that."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import malformed_files, session_files
from write_api.parsing import BodyRejectedError, parse_object

EXPECTED = {
    "m01_truncated_json.json": "invalid_json",
    "m05_top_level_array.json": "not_an_object",
    "m07_lone_surrogate_escape.json": "invalid_unicode",
    "m09_deeply_nested.json": "nesting_too_deep",
    "m11_duplicate_keys.json": "duplicate_keys",
}


@pytest.mark.parametrize("path", malformed_files(), ids=lambda p: p.name)
def test_malformed_corpus_bodies_are_refused_for_the_right_reason(path):
    reason = EXPECTED.get(path.name)
    if reason is None:  # valid JSON that breaks the hook contract: refused by the domain
        parse_object(path.read_bytes(), 64)
        return
    with pytest.raises(BodyRejectedError) as caught:
        parse_object(path.read_bytes(), 64)
    assert caught.value.reason == reason


@pytest.mark.parametrize("path", session_files(), ids=lambda p: p.name)
def test_every_real_hook_parses_to_what_json_loads_gives(path):
    body = path.read_bytes()
    assert parse_object(body, 64) == json.loads(body)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"a": NaN}', "non_finite_number"),
        (b'{"a": -Infinity}', "non_finite_number"),
        (b'{"a": 1e400}', "non_finite_number"),
        (b'{"a": "\xff"}', "invalid_utf8"),
        (b'{"a": "\\udc00"}', "invalid_unicode"),
        (b'{"\\ud800": 1}', "invalid_unicode"),
        (b"[" * 5000 + b"]" * 5000, "nesting_too_deep"),
        (b'{"a":' * 70 + b"1" + b"}" * 70, "nesting_too_deep"),
        (b'{"a": 1, "a": 1}', "duplicate_keys"),
        (b'"just a string"', "not_an_object"),
        (b"", "invalid_json"),
        (b'{"n": ' + b"9" * 5000 + b"}", "invalid_json"),
    ],
)
def test_hostile_bodies_are_refused_for_the_right_reason(body, reason):
    with pytest.raises(BodyRejectedError) as caught:
        parse_object(body, 64)
    assert caught.value.reason == reason


def test_a_valid_surrogate_pair_and_a_utf8_bom_are_accepted():
    assert parse_object(b'\xef\xbb\xbf{"e": "\\ud83d\\ude00"}', 64) == {"e": "\U0001f600"}


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_either_parse_or_are_refused_with_a_reason(body):
    try:
        value = parse_object(body, 64)
    except BodyRejectedError as error:
        assert error.reason
    else:
        assert isinstance(value, dict)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(), json_values, max_size=5))
def test_any_json_object_round_trips(value):
    body = json.dumps(value).encode()
    assert parse_object(body, 64) == json.loads(body)


@pytest.mark.parametrize("literal", [b"1e-99999", b"0." + b"0" * 20_000 + b"1", b"-1.5E-16384"])
def test_numbers_postgresql_cannot_keep_are_refused(literal):
    """Issue 10: ``1e-99999`` parsed (as 0.0) and was recorded, then jsonb refused it."""
    with pytest.raises(BodyRejectedError) as refused:
        parse_object(b'{"x": ' + literal + b"}", 64)
    assert refused.value.reason == "number_out_of_range"


@pytest.mark.parametrize("literal", [b"1e-400", b"5e-324", b"1e308", b"-0.0", b"1.5"])
def test_small_and_large_doubles_are_kept(literal):
    assert parse_object(b'{"x": ' + literal + b"}", 64)["x"] == float(literal)


def test_any_value_parses_as_strictly_as_an_object():
    from write_api.parsing import parse_value

    assert parse_value(b'[1, "a"]', 8) == [1, "a"]
    for body, reason in [(b'"\\udc80"', "invalid_unicode"), (b"[" * 100 + b"]" * 100,
                         "nesting_too_deep"), (b"[NaN]", "non_finite_number")]:  # fmt: skip
        with pytest.raises(BodyRejectedError) as refused:
            parse_value(body, 64)
        assert refused.value.reason == reason


# The msgspec fast path (canonical bodies) must agree with the full parser on every body:
# the same value with the same types, or the same refusal with the same words.

wild_text = st.text(
    st.characters(codec="utf-8")
    | st.sampled_from(["\ud800", "\udfff", "\u2028", "\x00", "\x1f", "\x7f", "/", '"', "\\"]),
    max_size=8,
)
wild_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63, max_value=2**200)
    | st.sampled_from([-(2**64), 0])
    | st.floats()
    | st.sampled_from([1e16, 1e-7, 5e-324, -0.0, 1e308])
    | wild_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(wild_text, children, max_size=4)
    ),
    max_leaves=16,
)


def _compact_with_repeats(value: Any, repeat: bool) -> bytes:
    """Canonical-looking bytes of ``value``; with ``repeat``, each object's first key twice."""
    if isinstance(value, dict):
        pairs = [(k, _compact_with_repeats(v, repeat)) for k, v in value.items()]
        if repeat and pairs:
            pairs.append(pairs[0])
        inner = b",".join(msgspec.json.encode(k) + b":" + v for k, v in pairs)
        return b"{" + inner + b"}"
    if isinstance(value, list):
        return b"[" + b",".join(_compact_with_repeats(v, repeat) for v in value) + b"]"
    return json.dumps(value, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    value = draw(wild_values | st.dictionaries(wild_text, wild_values, max_size=5))
    form = draw(st.sampled_from(["msgspec", "compact", "repeats", "spaced", "ascii"]))
    try:
        if form == "msgspec":
            body = msgspec.json.encode(value)
        elif form in ("compact", "repeats"):
            body = _compact_with_repeats(value, form == "repeats")
        else:
            text = json.dumps(value, ensure_ascii=form == "ascii", allow_nan=True)
            body = text.encode("utf-8", "surrogatepass")
    except (ValueError, TypeError, OverflowError, msgspec.EncodeError):
        body = json.dumps(value, allow_nan=True, default=str).encode()
    if draw(st.booleans()) and body:
        at = draw(st.integers(0, len(body) - 1))
        body = body[:at] + draw(st.binary(min_size=0, max_size=2)) + body[at + 1 :]
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + body


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        return ("dict", [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, repr(value))


def _outcome(parse: Any, body: bytes, depth: int) -> Any:
    try:
        return ("ok", _typed(parse(body, depth)))
    except BodyRejectedError as error:
        return ("refused", error.reason, error.detail)


@settings(max_examples=1500, deadline=None)
@given(bodies(), st.sampled_from([2, 3, 64]))
def test_the_fast_path_agrees_with_the_full_parser(body, depth):
    from infra.strict_json import _parse, parse_value

    assert _outcome(parse_value, body, depth) == _outcome(
        _parse, body.removeprefix(b"\xef\xbb\xbf"), depth
    )


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":1,"a":1}',
        b'{"a":NaN}',
        b'{"a":1e400}',
        b'{"a":"\\ud800"}',
        b'{"a":-0}',
        b'{"n":' + b"9" * 5000 + b"}",
        b'{"a":1e-99999}',
        b"[" * 70 + b"]" * 70,
        b'{"a":"\xed\xa0\x80"}',
        b'{"a":{"b":{"c":1}}}',
        b'{"x":1.0000000000000000000001}',
    ],
)
def test_the_fast_path_agrees_on_the_hostile_bodies(body):
    from infra.strict_json import _parse, parse_value

    for depth in (2, 64):
        assert _outcome(parse_value, body, depth) == _outcome(_parse, body, depth)


def test_a_compact_hook_takes_the_fast_path():
    from infra import strict_json

    body = b'{"session_id":"s","hook_event_name":"PreToolUse","tool_input":{"command":"ls"}}'
    assert strict_json._canonical(body, 64) == json.loads(body)
    assert strict_json._canonical(json.dumps(json.loads(body)).encode(), 64) is strict_json._MISS
