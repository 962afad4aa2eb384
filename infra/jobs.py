"""The dramatiq broker (Redis), built by entry points: background jobs share Observatory's
Redis under their own namespace."""

from __future__ import annotations

from dramatiq.brokers.redis import RedisBroker

from infra.redis_connections import RedisNotConfiguredError
from infra.settings import Settings


def job_broker(settings: Settings) -> RedisBroker:
    if not settings.redis_url:
        raise RedisNotConfiguredError(
            "background jobs need OBSERVATORY_REDIS_URL (dramatiq's Redis broker)"
        )
    return RedisBroker(  # type: ignore[no-untyped-call]
        url=settings.redis_url, namespace=f"{settings.redis_prefix}-jobs"
    )
