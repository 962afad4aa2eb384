"""Redis clients for the live state (built by entry points, never at import)."""

from __future__ import annotations

import redis
import redis.asyncio

from infra.settings import Settings


class RedisNotConfiguredError(RuntimeError):
    """Live state needs OBSERVATORY_REDIS_URL (``observatory up`` starts its own)."""


def _url(settings: Settings) -> str:
    if not settings.redis_url:
        raise RedisNotConfiguredError(
            "set OBSERVATORY_REDIS_URL (e.g. redis://127.0.0.1:6379/0) for live state"
        )
    return settings.redis_url


def redis_client(settings: Settings) -> redis.Redis:
    return redis.Redis.from_url(_url(settings), decode_responses=True, socket_timeout=10,
                                health_check_interval=30)  # fmt: skip


def async_redis_client(settings: Settings) -> redis.asyncio.Redis:
    return redis.asyncio.Redis.from_url(_url(settings), decode_responses=True,
                                        health_check_interval=30)  # fmt: skip
