"""NATS JetStream: connections, the event stream's configuration, and reading it back.

The relay publishes the event log to one stream (``settings.nats_stream``) on the subjects
``<prefix>.>``; ``ensure_stream`` creates it, or brings an existing one's subjects and
duplicate window in line, idempotently. ``read_stream`` yields what a stream holds, in order,
up to its last message when the call began; ``dump_nats`` is that as text, for the privacy
walk (``workers/inventory.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig, StreamInfo
from nats.js.errors import NotFoundError

from infra.settings import Settings

log = logging.getLogger(__name__)

POSITION_HEADER = "Observatory-Position"
"""Header carrying the event's global position in the log (also in the body)."""
MSG_ID_HEADER = "Nats-Msg-Id"


async def _quiet(error: Exception) -> None:
    log.debug("nats: %s", error)


async def connect(
    url: str, *, name: str, reconnect: bool = False, connect_seconds: int = 2
) -> Client:
    """A client connection. Without ``reconnect`` a lost connection closes the client, so the
    caller sees the failure at once and decides itself when to try again."""
    return await nats.connect(
        url,
        name=name,
        allow_reconnect=reconnect,
        max_reconnect_attempts=-1 if reconnect else 0,
        connect_timeout=connect_seconds,
        reconnect_time_wait=1,
        error_cb=_quiet,
    )


def stream_subjects(prefix: str) -> list[str]:
    return [f"{prefix}.>"]


async def ensure_stream(
    js: JetStreamContext, name: str, prefix: str, duplicate_window: float
) -> StreamInfo:
    """Creates the stream (file storage) or updates its subjects and duplicate window."""
    wanted = StreamConfig(
        name=name,
        subjects=stream_subjects(prefix),
        duplicate_window=duplicate_window,
        storage=StorageType.FILE,
        description="Observatory event log (see docs/stream.md)",
    )
    try:
        info = await js.stream_info(name)
    except NotFoundError:
        log.info("creating JetStream stream %s on %s.>", name, prefix)
        return await js.add_stream(wanted)
    current = info.config
    if current.storage != StorageType.FILE:
        log.warning("stream %s keeps its %s storage (storage cannot change)", name, current.storage)
    if (
        sorted(current.subjects or []) != wanted.subjects
        or abs((current.duplicate_window or 0) - duplicate_window) > 1e-3
    ):
        log.info("updating stream %s: subjects %s, duplicate window %ss", name,
                 wanted.subjects, duplicate_window)  # fmt: skip
        return await js.update_stream(
            current.evolve(subjects=wanted.subjects, duplicate_window=duplicate_window)
        )
    return info


async def read_stream(
    js: JetStreamContext,
    stream: str,
    *,
    subject: str = ">",
    batch: int = 500,
    fetch_seconds: float = 5.0,
) -> AsyncIterator[Msg]:
    """Every message of ``stream`` (matching ``subject``) up to the last one stored when the
    call began, in stream order, through an ephemeral pull consumer."""
    info = await js.stream_info(stream)
    last = info.state.last_seq
    if info.state.messages == 0:
        return
    config = ConsumerConfig(ack_policy=AckPolicy.NONE, inactive_threshold=30.0)
    sub = await js.pull_subscribe(subject, stream=stream, config=config)
    try:
        while True:
            try:
                messages = await sub.fetch(batch, timeout=fetch_seconds)
            except TimeoutError:
                return  # nothing more matches the filter
            for message in messages:
                yield message
                if message.metadata.sequence.stream >= last:
                    return
    finally:
        await sub.unsubscribe()


def message_text(message: Msg) -> str:
    headers = " ".join(f"{k}={v}" for k, v in sorted((message.headers or {}).items()))
    return f"{message.subject} | {headers} | {message.data.decode('utf-8', errors='replace')}"


def dump_nats(settings: Settings, url: str) -> Iterator[tuple[str, str]]:
    """(where, text) for every message in the event stream (subject, headers and body).

    ``url`` (the database's) is not used: the stream is ``settings.nats_url`` /
    ``settings.nats_stream``; nothing is yielded without a NATS URL or a stream.
    """
    del url
    if not settings.nats_url:
        return iter(())
    return iter(asyncio.run(_collect(settings.nats_url, settings.nats_stream)))


async def _collect(url: str, stream: str) -> list[tuple[str, str]]:
    client = await connect(url, name="observatory-dump")
    try:
        js = client.jetstream()
        try:
            return [
                (f"nats:{stream}#{m.metadata.sequence.stream}", message_text(m))
                async for m in read_stream(js, stream)
            ]
        except NotFoundError:
            return []
    finally:
        await client.close()


def describe(info: StreamInfo) -> dict[str, Any]:
    """What ``observatory relay`` shows about the stream at start."""
    return {
        "stream": info.config.name,
        "subjects": info.config.subjects,
        "messages": info.state.messages,
        "last_seq": info.state.last_seq,
        "duplicate_window_s": info.config.duplicate_window,
    }
