"""The host's ingest writer: API workers' batches land in shared transactions over a socket."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import struct
import threading
import uuid
from pathlib import Path

import msgspec
import pytest

from commands.ingest.remote import IngestWriterClient, WriterUnavailableError
from domain.audit.chain import verify_chain
from domain.sessions.values import session_stream_id
from tests.unit.timeline_fixtures import hook_command
from workers.ingest_writer import run_writer


class Writer:
    """run_writer on its own event loop in a thread, stopped on demand."""

    def __init__(self, settings, url: str, socket: str | None = None) -> None:
        self.socket = socket or str(Path("/tmp") / f"obs-writer-{uuid.uuid4().hex[:8]}.sock")
        self.loop = asyncio.new_event_loop()
        self.stop_event: asyncio.Event | None = None
        ready = threading.Event()

        async def main() -> None:
            self.stop_event, listening = asyncio.Event(), asyncio.Event()
            task = asyncio.create_task(
                run_writer(settings, url, self.socket, self.stop_event, listening)
            )
            await listening.wait()
            ready.set()
            await task

        def run() -> None:
            try:
                self.loop.run_until_complete(main())
            finally:
                self.loop.close()

        self.thread = threading.Thread(target=run)
        self.thread.start()
        assert ready.wait(30)

    def stop(self) -> None:
        assert self.stop_event is not None
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(30)


@pytest.fixture
def writer(settings, pg_url):
    server = Writer(settings, pg_url)
    yield server
    if server.thread.is_alive():
        server.stop()


def commands(session: str, n: int, key: str | None = None):
    return [
        hook_command(
            json.dumps(
                {
                    "session_id": session,
                    "hook_event_name": "PreToolUse",
                    "tool_name": "Read",
                    "tool_use_id": f"{session}-{i}",
                }
            ),
            i,
        )
        for i in range(n)
    ]


async def test_two_workers_share_one_writer_and_one_order(writer, store):
    a, b = IngestWriterClient(writer.socket), IngestWriterClient(writer.socket)
    results = await asyncio.gather(
        *(client.record(commands("shared", 20)[i::2]) for i, client in enumerate((a, b)))
    )
    positions = sorted(r.position for batch in results for r in batch)
    assert len(set(positions)) == 20
    events = list(store.events.get(session_stream_id("default", "shared")))
    assert len(events) == 21 and verify_chain(events).intact
    await a.close()
    await b.close()


async def test_idempotency_keys_hold_across_workers(writer, store):
    first = IngestWriterClient(writer.socket)
    second = IngestWriterClient(writer.socket)
    command = hook_command(json.dumps({"session_id": "k", "hook_event_name": "Stop"}), 0)
    keyed = [dataclasses.replace(command, idempotency_key="same")]
    one = (await first.record(keyed))[0]
    two = (await second.record(keyed))[0]
    assert two.replayed and two.position == one.position
    assert store.recorder.max_notification_id() == 2
    await first.close()
    await second.close()


async def test_a_stopped_writer_is_reported_and_its_successor_picked_up(writer, settings, pg_url):
    client = IngestWriterClient(writer.socket, timeout=5)
    await client.record(commands("before", 1))
    writer.stop()
    with pytest.raises(WriterUnavailableError):
        await client.record(commands("during", 1))
    successor = Writer(settings, pg_url, socket=writer.socket)
    try:
        assert (await client.record(commands("after", 1)))[0].position
    finally:
        await client.close()
        successor.stop()


@pytest.mark.parametrize(
    ("body", "declared"),
    [
        (b"\xc1\xc1\xc1\xc1\xc1", None),  # not msgpack
        (msgspec.msgpack.encode([1, [{}]]), None),  # a command without its fields
        (b"\x92\x01", 100),  # the client went away inside the frame
    ],
    ids=["garbage", "wrong-shape", "cut-short"],
)
async def test_a_bad_frame_drops_only_its_own_connection(writer, body, declared, caplog):
    reader, raw = await asyncio.open_unix_connection(writer.socket)
    raw.write(struct.pack(">I", declared or len(body)) + body)
    raw.write_eof()
    assert await reader.read() == b""  # dropped, nothing answered
    raw.close()
    client = IngestWriterClient(writer.socket)
    assert (await client.record(commands("after-bad-frame", 1)))[0].position
    await client.close()
    assert any("dropping a client connection" in r.getMessage() for r in caplog.records)
