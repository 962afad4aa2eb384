"""The ingest writer's wire format: length-prefixed msgpack frames over a Unix socket.

A request frame is ``[request_id, [command, ...]]``; the answer is ``[request_id, [receipt or
error, ...]]``, one entry per command, in order. Commands travel as plain tuples (the checked
hook facts included, so the writer never parses a payload again).
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from commands.ingest.messages import Receipt, RecordHook
from domain.sessions.hooks import HookFacts
from domain.sessions.ruling import Ruling
from domain.sessions.values import ToolName

_LENGTH = struct.Struct(">I")
MAX_FRAME = 256 * 1024 * 1024

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder()


class WireError(Exception):
    """The other side sent something that is not a frame of this protocol."""


def _facts(f: HookFacts) -> tuple[Any, ...]:
    tool = (f.tool.name, f.tool.mcp_server, f.tool.mcp_tool) if f.tool else None
    return (f.session_id, f.hook, f.agent_id, f.agent_type, tool, f.tool_use_id,
            f.subagent_type, f.duration_ms, f.cwd, f.model)  # fmt: skip


def _unfacts(t: Sequence[Any]) -> HookFacts:
    tool = ToolName(*t[4]) if t[4] is not None else None
    return HookFacts(t[0], t[1], t[2], t[3], tool, t[5], t[6], t[7], t[8], t[9])


def _ruling(r: Ruling | None) -> tuple[Any, ...] | None:
    if r is None:
        return None
    return (r.hook, r.tool_name, r.tool_use_id, r.decision, r.rule_id, r.policy_version,
            r.message, r.latency_ms, [dict(s) for s in r.shadow], r.intervention)  # fmt: skip


def _unruling(t: Sequence[Any] | None) -> Ruling | None:
    if t is None:
        return None
    return Ruling(
        t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], tuple(dict(s) for s in t[8]), t[9]
    )


def encode_commands(request_id: int, commands: Sequence[RecordHook]) -> bytes:
    return _encoder.encode(
        [
            request_id,
            [
                (
                    c.tenant_id,
                    _facts(c.facts),
                    c.payload_json,
                    c.received_at.isoformat(),
                    c.source,
                    c.context_json,
                    c.idempotency_key,
                    c.request_sha256,
                    c.status,
                    c.reply,
                    _ruling(c.ruling),
                    list(c.redacted),
                    c.sealed,
                )
                for c in commands
            ],
        ]
    )


def decode_commands(frame: bytes) -> tuple[int, list[RecordHook]]:
    try:
        request_id, items = _decoder.decode(frame)
        return request_id, [
            RecordHook(
                tenant_id=i[0],
                facts=_unfacts(i[1]),
                payload_json=i[2],
                received_at=datetime.fromisoformat(i[3]),
                source=i[4],
                context_json=i[5],
                idempotency_key=i[6],
                request_sha256=i[7],
                status=i[8],
                reply=i[9],
                ruling=_unruling(i[10]),
                redacted=tuple(i[11]),
                sealed=i[12],
            )
            for i in items
        ]
    except (msgspec.DecodeError, ValueError, TypeError, IndexError) as error:
        raise WireError(f"not a command frame: {error}") from None


def encode_receipts(request_id: int, outcomes: Sequence[Receipt | BaseException]) -> bytes:
    entries: list[Any] = []
    for outcome in outcomes:
        if isinstance(outcome, Receipt):
            entries.append((outcome.status, outcome.reply, outcome.position, outcome.replayed,
                            outcome.problem))  # fmt: skip
        else:
            entries.append((type(outcome).__name__, str(outcome)))
    return _encoder.encode([request_id, entries])


def decode_receipts(frame: bytes) -> tuple[int, list[Receipt | tuple[str, str]]]:
    """Receipts, or (error class name, message) where the writer could not record."""
    request_id, entries = _decoder.decode(frame)
    return request_id, [
        Receipt(e[0], e[1], e[2], e[3], e[4]) if len(e) == 5 else (e[0], e[1]) for e in entries
    ]


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
    return await reader.readexactly(length)


def write_frame(writer: asyncio.StreamWriter, payload: bytes) -> None:
    writer.write(_LENGTH.pack(len(payload)) + payload)
