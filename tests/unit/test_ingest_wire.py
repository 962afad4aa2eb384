"""The ingest writer's frames: what an API worker encodes, the writer decodes, field for field.

And anything that is not a frame of the protocol (garbage, a wrong type inside, a frame cut
short) raises ``WireError``, which the writer answers by dropping that one connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import uuid
from datetime import UTC, timedelta, timezone
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.ingest.messages import Receipt, RecordHook, RecordTelemetry, TelemetryItem
from commands.ingest.remote import IngestWriterClient, WriterUnavailableError
from commands.ingest.service import IngestConflictError
from commands.ingest.wire import (
    MAX_FRAME,
    WireError,
    decode_commands,
    decode_receipts,
    encode_commands,
    encode_receipts,
    failure,
    read_frame,
    write_frame,
)
from domain.sessions.hooks import HookFacts
from domain.sessions.metrics import MetricPoint
from domain.sessions.ruling import ApprovalAsk, Ruling
from domain.sessions.telemetry import ModelUsage, TelemetryFacts
from domain.sessions.values import ToolName
from tests.conftest import session_files
from tests.unit.timeline_fixtures import hook_command

# Text as it arrives: any unicode (bidi controls, emoji, NUL), sometimes 100 KB of it.
big_text = st.builds(lambda c, n: c * n, st.characters(), st.integers(10_000, 120_000))
text = st.text() | big_text
maybe = st.none() | st.text()
int64 = st.integers(-(2**63), 2**64 - 1)  # msgpack's integer range
number = st.floats(allow_nan=False)  # NaN != NaN, so no value could round-trip equal
shadow_hit = st.fixed_dictionaries(
    {"rule_id": st.text(), "decision": st.sampled_from(["deny", "ask", "allow"]), "message": text}
) | st.dictionaries(st.text(), st.text(), max_size=3)

tools = st.builds(ToolName, st.text(), maybe, maybe) | st.builds(
    ToolName.parse, st.sampled_from(["Read", "Agent", "mcp__github-x__create_issue", "mcp__"])
)
facts = st.builds(
    HookFacts,
    session_id=st.text(),
    hook=st.text(),
    agent_id=maybe,
    agent_type=maybe,
    tool=st.none() | tools,
    tool_use_id=maybe,
    subagent_type=maybe,
    duration_ms=st.none() | number,
    cwd=maybe,
    model=maybe,
)
approvals = st.builds(
    ApprovalAsk,
    request_id=st.text(),
    summary=text,
    roles=st.lists(st.text(), max_size=3).map(tuple),
    teams=st.lists(st.text(), max_size=3).map(tuple),
    expires_at=st.datetimes(timezones=st.just(UTC)),
    on_timeout=st.sampled_from(["deny", "ask", "allow"]),
    self_approval=st.booleans(),
    requested_by=maybe,
)
rulings = st.builds(
    Ruling,
    hook=st.text(),
    tool_name=maybe,
    tool_use_id=maybe,
    decision=st.none() | st.sampled_from(["deny", "approve", "ask", "allow"]),
    rule_id=maybe,
    policy_version=int64,
    message=st.none() | text,
    latency_ms=number,
    shadow=st.lists(shadow_hit, max_size=3).map(tuple),
    intervention=maybe,
    approval=st.none() | approvals,
)
# Naive, UTC and other offsets: decoding keeps the instant (an offset comes back as UTC).
moments = st.datetimes(
    timezones=st.none()
    | st.just(UTC)
    | st.builds(lambda m: timezone(timedelta(minutes=m)), st.integers(-23 * 60, 23 * 60))
)
kinds = st.sampled_from(["email", "phone", "payment_card", "aws_access_key", "jwt"]) | st.text()
commands = st.builds(
    RecordHook,
    tenant_id=st.text(),
    facts=facts,
    payload_json=text,
    received_at=moments,
    source=st.text(),
    context_json=text,
    idempotency_key=maybe,
    request_sha256=st.text(),
    status=int64,
    reply=st.binary() | big_text.map(str.encode),
    ruling=st.none() | rulings,
    redacted=st.lists(kinds, max_size=4).map(tuple),
    sealed=st.none() | text,
)
receipts = st.builds(Receipt, int64, st.binary(), st.none() | int64, st.booleans(), maybe)
errors = st.builds(
    lambda kind, message: kind(message),
    st.sampled_from([IngestConflictError, RuntimeError, ValueError]),
    text,
)
request_ids = st.integers(0, 2**63 - 1)
fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(request_ids, st.lists(commands, max_size=4))
def test_commands_come_back_equal(request_id, batch):
    decoded_id, decoded = decode_commands(encode_commands(request_id, batch))
    assert decoded_id == request_id
    assert decoded == batch
    # derived in __post_init__, so compared apart (it is not part of ==)
    assert [c.stream_id for c in decoded] == [c.stream_id for c in batch]


@fast
@given(request_ids, st.lists(receipts | errors, max_size=6))
def test_receipts_and_errors_come_back_equal(request_id, outcomes):
    expected = [o if isinstance(o, Receipt) else (type(o).__name__, failure(o)) for o in outcomes]
    assert decode_receipts(encode_receipts(request_id, outcomes)) == (request_id, expected)


def test_an_error_message_with_a_lone_surrogate_still_travels():
    # st.text() found it: one such message made the whole receipt frame fail to encode
    frame = encode_receipts(1, [ValueError("bad path \udcff")])
    assert decode_receipts(frame) == (1, [("ValueError", "bad path \\udcff")])


def test_every_corpus_hook_comes_back_equal():
    batch = [hook_command(p.read_text(), i) for i, p in enumerate(session_files())]
    assert decode_commands(encode_commands(7, batch)) == (7, batch)


def test_a_stream_id_in_the_frame_is_computed_again_not_taken():
    command = hook_command('{"session_id": "s", "hook_event_name": "Stop"}', 0)
    request_id, kinds, items, telemetry = msgspec.msgpack.decode(encode_commands(1, [command]))
    items[0]["stream_id"] = str(uuid.uuid4())
    frame = msgspec.msgpack.encode([request_id, kinds, items, telemetry])
    _, (decoded,) = decode_commands(frame)
    assert decoded.stream_id == command.stream_id


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_are_a_frame_or_a_wire_error(data):
    for decode in (decode_commands, decode_receipts):
        with contextlib.suppress(WireError):
            decode(data)


def _frame_with(path: tuple[str | int, ...], value: object) -> bytes:
    command = hook_command('{"session_id": "s", "hook_event_name": "PreToolUse"}', 0)
    ruled = RecordHook(
        **{f: getattr(command, f) for f in ("tenant_id", "facts", "payload_json", "source")},
        received_at=command.received_at,
        ruling=Ruling("PreToolUse", "Bash", "t1", "deny", "r1", 3, "no", 0.5, ({"a": "b"},)),
    )
    frame = msgspec.msgpack.decode(encode_commands(1, [ruled]))
    target = frame
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return msgspec.msgpack.encode(frame)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ((0,), "1"),
        ((2,), {"not": "a list"}),
        ((2, 0), [1, 2, 3]),
        ((2, 0, "tenant_id"), 5),
        ((2, 0, "facts"), None),
        ((2, 0, "facts", "tool"), "Read"),
        ((2, 0, "facts", "duration_ms"), "fast"),
        ((2, 0, "received_at"), "yesterday"),
        ((2, 0, "reply"), "not bytes"),
        ((2, 0, "ruling", "shadow"), [{"a": 1}]),
        ((2, 0, "redacted"), "email"),
    ],
    ids=str,
)
def test_a_wrong_type_inside_is_a_wire_error(path, value):
    with pytest.raises(WireError, match="not a command frame"):
        decode_commands(_frame_with(path, value))


def test_telemetry_travels_with_hooks_in_their_order():
    hook = hook_command('{"session_id": "s", "hook_event_name": "Stop"}', 0)
    facts = TelemetryFacts("s", "claude_code.api_request", "p1", hook.received_at, "u1", None,
                           "platform", ModelUsage("m", 1, 2, 3, 4, 0.5, 10.0, None))  # fmt: skip
    telemetry = RecordTelemetry(
        "default", (TelemetryItem(facts, "{}", ("email",), "sealed"),), hook.received_at, "otlp"
    )
    commands = [telemetry, hook, telemetry]
    assert decode_commands(encode_commands(7, commands)) == (7, commands)


metric_points = st.builds(
    MetricPoint, name=st.text(), kind=st.sampled_from(["sum", "gauge", "histogram"]),
    unit=st.text(), value=number, count=st.none() | st.integers(0, 2**63 - 1),
    cumulative=st.booleans(), monotonic=st.booleans(), start_unix_nano=st.integers(0, 2**64 - 1),
    time_unix_nano=st.integers(0, 2**64 - 1), series=st.text(), type=maybe, model=maybe,
    decision=maybe, tool=maybe, language=maybe, decision_source=maybe,
)  # fmt: skip


@fast
@given(st.lists(metric_points, min_size=1, max_size=4), moments)
def test_metric_points_travel_field_for_field(points, at):
    items = tuple(
        TelemetryItem(TelemetryFacts("s", p.name, None, at, "u1", "o1", "platform", metric=p),
                      "{}", ("email",), None)
        for p in points
    )  # fmt: skip
    telemetry = RecordTelemetry("default", items, at, "otlp-metrics")
    _, (decoded,) = decode_commands(encode_commands(3, [telemetry]))
    assert decoded == telemetry
    assert [i.facts.metric for i in decoded.items] == list(points)


def test_kinds_that_do_not_match_the_commands_are_a_wire_error():
    hook = hook_command('{"session_id": "s", "hook_event_name": "Stop"}', 0)
    request_id, _, items, telemetry = msgspec.msgpack.decode(encode_commands(1, [hook]))
    for kinds in ("t", "hh", "", "x"):
        with pytest.raises(WireError, match="kinds"):
            decode_commands(msgspec.msgpack.encode([request_id, kinds, items, telemetry]))


def test_a_frame_missing_a_field_is_a_wire_error():
    frame = msgspec.msgpack.decode(_frame_with((0,), 1))
    del frame[2][0]["facts"]
    with pytest.raises(WireError):
        decode_commands(msgspec.msgpack.encode(frame))


@pytest.mark.parametrize("kind", ["commands", "receipts"])
def test_a_frame_cut_short_or_with_bytes_after_it_is_a_wire_error(kind):
    if kind == "commands":
        batch = [hook_command(p.read_text(), i) for i, p in enumerate(session_files()[:3])]
        frame, decode = encode_commands(1, batch), decode_commands
    else:
        frame, decode = (
            encode_receipts(1, [Receipt(200, b"{}", 9), ValueError("x")]),
            decode_receipts,
        )
    for cut in range(0, len(frame), max(1, len(frame) // 200)):
        with pytest.raises(WireError):
            decode(frame[:cut])
    with pytest.raises(WireError):
        decode(frame + b"\x00")


def _reader(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader


async def test_read_frame_knows_a_clean_close_from_a_cut_one():
    body = encode_receipts(1, [])
    header = struct.pack(">I", len(body))
    assert await read_frame(_reader(header + body)) == body
    assert await read_frame(_reader(b"")) is None
    with pytest.raises(WireError, match="header"):
        await read_frame(_reader(header[:2]))
    with pytest.raises(WireError, match="inside a frame"):
        await read_frame(_reader(header + body[:-1]))
    with pytest.raises(WireError, match="larger than"):
        await read_frame(_reader(struct.pack(">I", MAX_FRAME + 1)))


async def test_a_writer_answering_garbage_is_an_unavailable_writer(tmp_path: Path):
    """The client side: an answer that is no receipt frame fails the batch (503), no crash."""

    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_frame(reader)
        write_frame(writer, msgspec.msgpack.encode([1, [["only one field"]]]))
        await writer.drain()
        writer.close()

    socket = str(tmp_path / "w.sock")
    server = await asyncio.start_unix_server(garbage, path=socket)
    client = IngestWriterClient(socket, timeout=5)
    try:
        with pytest.raises(WriterUnavailableError, match="not a receipt frame"):
            await client.record([hook_command('{"session_id": "s", "hook_event_name": "Stop"}', 0)])
    finally:
        await client.close()
        server.close()
        await server.wait_closed()
