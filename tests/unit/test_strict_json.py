"""The ingest parser refuses what plain json.loads would let through, and only that."""

from __future__ import annotations

import json

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
