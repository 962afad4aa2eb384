"""Read-only queries over the live state in Redis (redis.asyncio), per tenant."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis.asyncio

from projections.live_state.keys import LiveKeys

COUNTERS = ("events", "tool_calls", "failures", "denials", "asks", "sessions_started",
            "subagents_started")  # fmt: skip


@dataclass(frozen=True)
class LiveSession:
    session_id: str
    status: str
    last_at: datetime
    last_kind: str
    last_tool: str | None
    agent: str
    counters: dict[str, int]


class LiveStateQueries:
    def __init__(self, client: redis.asyncio.Redis, keys: LiveKeys) -> None:
        self._redis = client
        self._keys = keys

    async def position(self) -> int:
        return int(await self._redis.get(self._keys.position) or 0)

    async def active_sessions(
        self, tenant_id: str, within: timedelta, first: int = 100
    ) -> list[LiveSession]:
        """Sessions with an event in the last ``within`` and no SessionEnd, latest first."""
        since = (datetime.now(UTC) - within).timestamp()
        ids = await self._redis.zrevrangebyscore(
            self._keys.active(tenant_id), "+inf", since, start=0, num=first
        )
        found = await self.sessions(tenant_id, [str(i) for i in ids])
        return [s for s in found if s is not None]

    async def session(self, tenant_id: str, session_id: str) -> LiveSession | None:
        return (await self.sessions(tenant_id, [session_id]))[0]

    async def sessions(self, tenant_id: str, session_ids: list[str]) -> list[LiveSession | None]:
        """Several sessions' state in one round trip (None where unknown)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for sid in session_ids:
                pipe.hgetall(self._keys.session(tenant_id, sid))
            states = await pipe.execute()
        return [_session(sid, _text(state)) for sid, state in zip(session_ids, states, strict=True)]

    async def recent_events(
        self, tenant_id: str, session_id: str, count: int = 20
    ) -> list[dict[str, Any]]:
        """The session's latest events, newest first."""
        return (await self.recent_events_of(tenant_id, [session_id], count))[session_id]

    async def recent_events_of(
        self, tenant_id: str, session_ids: list[str], count: int = 20
    ) -> dict[str, list[dict[str, Any]]]:
        """Several sessions' latest events in one round trip, newest first."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for sid in session_ids:
                pipe.xrevrange(self._keys.recent(tenant_id, sid), count=count)
            results: list[Any] = await pipe.execute()
        return {sid: [json.loads(fields["event"]) for _, fields in entries or []]
                for sid, entries in zip(session_ids, results, strict=True)}  # fmt: skip

    async def counters(self, tenant_id: str) -> dict[str, int]:
        values = _text(await self._redis.hgetall(self._keys.counters(tenant_id)))
        return {c: int(values.get(c, 0)) for c in COUNTERS}

    async def subscribe(self, tenant_id: str) -> LiveSubscription:
        """Live events of the tenant from now on (at most once; no history). Subscribed when
        this returns, so nothing published afterwards is missed; close it when done."""
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._keys.channel(tenant_id))
        return LiveSubscription(pubsub)


class LiveSubscription:
    def __init__(self, pubsub: Any) -> None:
        self._pubsub = pubsub
        self._messages: AsyncIterator[dict[str, Any]] = pubsub.listen()

    def __aiter__(self) -> LiveSubscription:
        return self

    async def __anext__(self) -> dict[str, Any]:
        async for message in self._messages:
            if message.get("type") == "message":
                return dict(json.loads(message["data"]))
        raise StopAsyncIteration

    async def close(self) -> None:
        await self._pubsub.unsubscribe()
        await self._pubsub.aclose()


def _session(session_id: str, state: dict[str, str]) -> LiveSession | None:
    if not state:
        return None
    return LiveSession(
        session_id=session_id, status=state.get("status", "active"),
        last_at=datetime.fromisoformat(state["last_at"]), last_kind=state["last_kind"],
        last_tool=state.get("last_tool"), agent=state.get("agent", "main"),
        counters={c: int(state.get(c, 0)) for c in COUNTERS},
    )  # fmt: skip


def _text(mapping: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (mapping or {}).items()}
