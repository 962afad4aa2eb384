"""The live state in Redis, written exactly once per position.

Each batch is one MULTI/EXEC transaction guarded by WATCH on the position key: it applies
only if the stored position is where the batch starts, and moves the position in the same
transaction, so a batch is applied entirely or not at all, and never twice. A flushed Redis
has no position, so the runner replays the log from the start: Redis is a cache here.

Live events are published (after commit, as part of EXEC) only when younger than
``PUBLISH_WITHIN``: a replay or rebuild does not flood subscribers with history. Session keys
expire ``KEEP`` after their last event, by the event's time, so a replay converges on the
same keys as live projection did.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import redis
from redis.typing import EncodableT, FieldT

from projections.live_state.keys import LiveKeys
from projections.live_state.projection import LiveChanges, LiveEvent, counters_of
from projections.tracking import StalePositionError

RECENT = 100
"""Events kept per session (approximately: streams are trimmed with ``~``)."""
KEEP = timedelta(days=1)
PUBLISH_WITHIN = timedelta(seconds=60)


class RedisLiveStateView:
    def __init__(
        self,
        client: redis.Redis,
        keys: LiveKeys,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._redis = client
        self._keys = keys
        self._now = now

    def position(self) -> int:
        return int(self._redis.get(self._keys.position) or 0)

    def apply(self, changes: LiveChanges, start: int, end: int) -> None:
        now = self._now()
        with self._redis.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(self._keys.position)  # type: ignore[no-untyped-call]
                stored = int(pipe.get(self._keys.position) or 0)
                if stored != start:
                    raise StalePositionError(f"live_state is at {stored}, batch starts at {start}")
                pipe.multi()
                for event in changes.events:
                    self._event(pipe, event, now)
                for tenant in {e.tenant_id for e in changes.events}:
                    cutoff = (now - KEEP).timestamp()
                    pipe.zremrangebyscore(self._keys.active(tenant), "-inf", cutoff)
                pipe.set(self._keys.position, end)
                pipe.publish(self._keys.positions, end)
                pipe.execute()
            except redis.WatchError:
                raise StalePositionError("live_state moved while this batch was applied") from None

    def _event(self, pipe: redis.client.Pipeline, event: LiveEvent, now: datetime) -> None:
        k, tenant, sid = self._keys, event.tenant_id, event.session_id
        public = event.public()
        expires = int((event.at + KEEP).timestamp())
        session, recent = k.session(tenant, sid), k.recent(tenant, sid)
        fields: dict[FieldT, EncodableT] = {
            "session_id": sid, "last_at": public["at"], "last_kind": event.kind,
            "last_position": event.position, "agent": event.agent,
        }  # fmt: skip
        if event.tool:
            fields["last_tool"] = event.tool
        if event.kind == "SessionEnd":
            fields["status"] = "ended"
            pipe.zrem(k.active(tenant), sid)
        else:
            fields.setdefault("status", "active")
            if event.kind != "Decision":
                pipe.zadd(k.active(tenant), {sid: event.at.timestamp()})
        pipe.hset(session, mapping=fields)
        for counter in counters_of(event):
            pipe.hincrby(session, counter, 1)
            pipe.hincrby(k.counters(tenant), counter, 1)
        pipe.expireat(session, expires)
        pipe.xadd(recent, {"event": json.dumps(public)}, id=f"{event.position}-0",
                  maxlen=RECENT, approximate=True)  # fmt: skip
        pipe.expireat(recent, expires)
        if now - event.at <= PUBLISH_WITHIN:
            pipe.publish(k.channel(tenant), json.dumps(public))

    def reset(self) -> None:
        """Deletes every live-state key of this prefix and the position, atomically (a Lua
        script), so a runner applying a batch meanwhile either lands before it, and is
        erased with the rest, or fails its WATCH and replays from the start."""
        self._redis.eval(_RESET, 1, self._keys.position, self._keys.pattern)

    def close(self) -> None:
        self._redis.close()


_RESET = """
local cursor = "0"
repeat
    local page = redis.call("SCAN", cursor, "MATCH", ARGV[1], "COUNT", 1000)
    cursor = page[1]
    if #page[2] > 0 then redis.call("UNLINK", unpack(page[2])) end
until cursor == "0"
return redis.call("DEL", KEYS[1])
"""
