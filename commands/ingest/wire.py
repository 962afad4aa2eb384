"""The ingest writer's wire format: length-prefixed msgpack frames over a Unix socket.

A request frame is ``[request_id, kinds, [hook, ...], [telemetry, ...]]``, ``kinds`` saying
in which order the two kinds of command came (``h`` or ``t`` each: msgspec decodes no union
of two dataclasses); the answer is ``[request_id, [receipt or
error, ...]]``, one entry per command, in order; an error is ``[error class name, message]``
where the writer could not record that command.

Commands and receipts travel as the dataclasses themselves, encoded by msgspec field by field
(the checked hook facts included, so the writer never parses a payload again): a field added to
``RecordHook`` travels without a change here, and the typed decoder checks every field's type.
A field computed in ``__post_init__`` (``RecordHook.stream_id``) travels too but is computed
again on decoding, so the frame cannot set it. Anything that is not a frame of this protocol
raises ``WireError``; the writer drops that connection and serves the others.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Iterator, Sequence

import msgspec

from commands.ingest.messages import Command, Receipt, RecordHook, RecordTelemetry

_LENGTH = struct.Struct(">I")
MAX_FRAME = 256 * 1024 * 1024

Failure = tuple[str, str]
"""(error class name, message) for a command the writer could not record."""

_encoder = msgspec.msgpack.Encoder()
_commands = msgspec.msgpack.Decoder(tuple[int, str, list[RecordHook], list[RecordTelemetry]])
_receipts = msgspec.msgpack.Decoder(tuple[int, list[Receipt | Failure]])


class WireError(Exception):
    """The other side sent something that is not a frame of this protocol."""


def encode_commands(request_id: int, commands: Sequence[Command]) -> bytes:
    kinds = "".join("h" if isinstance(c, RecordHook) else "t" for c in commands)
    hooks = [c for c in commands if isinstance(c, RecordHook)]
    telemetry = [c for c in commands if isinstance(c, RecordTelemetry)]
    return _encoder.encode((request_id, kinds, hooks, telemetry))


def decode_commands(frame: bytes) -> tuple[int, list[Command]]:
    try:
        request_id, kinds, hooks, telemetry = _commands.decode(frame)
    except msgspec.DecodeError as error:  # ValidationError (a wrong type) is one too
        raise WireError(f"not a command frame: {error}") from None
    if (
        kinds.count("h") != len(hooks)
        or kinds.count("t") != len(telemetry)
        or (len(kinds) != len(hooks) + len(telemetry))
    ):
        raise WireError("not a command frame: its kinds do not match its commands")
    each: dict[str, Iterator[Command]] = {"h": iter(hooks), "t": iter(telemetry)}
    return request_id, [next(each[kind]) for kind in kinds]


def encode_receipts(request_id: int, outcomes: Sequence[Receipt | BaseException]) -> bytes:
    entries = [
        outcome if isinstance(outcome, Receipt) else (type(outcome).__name__, failure(outcome))
        for outcome in outcomes
    ]
    return _encoder.encode((request_id, entries))


def failure(error: BaseException) -> str:
    """An error's message as UTF-8 can carry it: a lone surrogate (say, from a path decoded
    with ``surrogateescape``) is written as ``\\udcxx`` instead of failing the whole frame."""
    return str(error).encode("utf-8", "backslashreplace").decode("utf-8")


def decode_receipts(frame: bytes) -> tuple[int, list[Receipt | Failure]]:
    """Receipts, or (error class name, message) where the writer could not record."""
    try:
        return _receipts.decode(frame)
    except msgspec.DecodeError as error:
        raise WireError(f"not a receipt frame: {error}") from None


async def read_frame(reader: asyncio.StreamReader) -> bytes | None:
    """The next frame, or None when the other side closed the connection cleanly."""
    try:
        header = await reader.readexactly(_LENGTH.size)
    except asyncio.IncompleteReadError as error:
        if error.partial:
            raise WireError("connection closed inside a frame header") from None
        return None
    (length,) = _LENGTH.unpack(header)
    if length > MAX_FRAME:
        raise WireError(f"frame of {length} bytes is larger than {MAX_FRAME}")
    try:
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError as error:
        raise WireError(
            f"connection closed inside a frame ({len(error.partial)} of {length} bytes)"
        ) from None


def write_frame(writer: asyncio.StreamWriter, payload: bytes) -> None:
    if len(payload) > MAX_FRAME:
        raise WireError(f"frame of {len(payload)} bytes is larger than {MAX_FRAME}")
    writer.write(_LENGTH.pack(len(payload)) + payload)
