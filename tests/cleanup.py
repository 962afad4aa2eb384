"""Removing what a test (or a benchmark) left on the shared servers: its Redis keys, its
JetStream stream. Each test works under a prefix and a stream of its own."""

from __future__ import annotations

import asyncio
import contextlib

import redis
from nats.js.errors import NotFoundError

from infra.nats import connect


def delete_redis_keys(url: str, pattern: str) -> None:
    """Deletes every key matching ``pattern`` (e.g. ``"<prefix>:*"``)."""
    with redis.Redis.from_url(url) as client:
        for key in client.scan_iter(match=pattern):
            client.delete(key)


def delete_stream(url: str, name: str) -> None:
    """Deletes a JetStream stream if it exists."""

    async def delete() -> None:
        client = await connect(url, name="test-cleanup")
        try:
            with contextlib.suppress(NotFoundError):
                await client.jetstream().delete_stream(name)
        finally:
            await client.close()

    asyncio.run(delete())
