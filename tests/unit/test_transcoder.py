"""The fast transcoder reads every stored event exactly as eventsourcing's own one does, and
writes the very bytes it writes."""

from __future__ import annotations

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder
from hypothesis import given
from hypothesis import strategies as st

from commands.store.transcoder import FastJSONTranscoder
from tests.unit.timeline_fixtures import recorded_corpus


def transcoders() -> tuple[JSONTranscoder, FastJSONTranscoder]:
    slow, fast = JSONTranscoder(), FastJSONTranscoder()
    app = Application()
    app.register_transcodings(slow)
    app.register_transcodings(fast)
    return slow, fast


scalars = (st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text()
           | st.floats(allow_nan=False, allow_infinity=False) | st.uuids() | st.datetimes()
           | st.decimals(allow_nan=False, allow_infinity=False))  # fmt: skip
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                      max_leaves=20)  # fmt: skip


@given(values)
def test_any_value_decodes_the_same(value: object):
    slow, fast = transcoders()
    data = slow.encode({"value": value})
    assert fast.decode(data) == slow.decode(data)


def test_every_event_of_the_corpus_decodes_the_same():
    slow, fast = transcoders()
    events = recorded_corpus()
    assert events
    for _, event in events:
        data = slow.encode(event.__dict__)
        assert fast.decode(data) == slow.decode(data)


@given(values)
def test_any_value_encodes_to_the_same_bytes(value: object):
    slow, fast = transcoders()
    state = {"value": value, "timestamp": value, "n": 1}
    assert fast.encode(state) == slow.encode(state)


@given(st.floats())
def test_floats_encode_to_the_same_bytes(number: float):
    slow, fast = transcoders()  # msgspec writes 1e16 where json writes 1e+16, NaN as null
    assert fast.encode({"x": number, "xs": [number]}) == slow.encode({"x": number, "xs": [number]})


def test_keys_that_are_not_text_encode_to_the_same_bytes():
    slow, fast = transcoders()
    for state in ({"d": {1: "a"}}, {"d": {1e16: "a"}}, {"d": {True: 1}}, {"d": {None: 1}}):
        assert fast.encode(state) == slow.encode(state)


def test_every_event_of_the_corpus_encodes_to_the_same_bytes():
    slow, fast = transcoders()
    for _, event in recorded_corpus():
        state = dict(event.__dict__)
        assert fast.encode(state) == slow.encode(state)
