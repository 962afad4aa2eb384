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
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import redis
from redis.typing import EncodableT, FieldT

from infra.tracking import StalePositionError
from projections.live_state.keys import LiveKeys
from projections.live_state.projection import LiveChanges, LiveEvent, counters_of

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
                self._write(pipe, changes.events, now)
                self._tell(pipe, changes.told, now)
                pipe.set(self._keys.position, end)
                pipe.publish(self._keys.positions, end)
                pipe.execute()
            except redis.WatchError:
                raise StalePositionError("live_state moved while this batch was applied") from None

    def _write(self, pipe: redis.client.Pipeline, events: list[LiveEvent], now: datetime) -> None:
        """The batch's effect, with per-session and per-tenant updates folded: the same end
        state as applying the events one by one, in far fewer commands."""
        k = self._keys
        sessions: dict[tuple[str, str], _SessionFold] = {}
        tenants: dict[str, Counter[str]] = {}
        for event in events:
            key = (event.tenant_id, event.session_id)
            fold = sessions.get(key)
            if fold is None:
                sessions[key] = _SessionFold(event)
            else:
                fold.add(event)
            tenants.setdefault(event.tenant_id, Counter()).update(counters_of(event))
            public = event.public()
            recent = k.recent(event.tenant_id, event.session_id)
            pipe.xadd(recent, {"event": json.dumps(public)}, id=f"{event.position}-0",
                      maxlen=RECENT, approximate=True)  # fmt: skip
            if now - event.at <= PUBLISH_WITHIN:
                pipe.publish(k.channel(event.tenant_id), json.dumps(public))
        for (tenant, sid), fold in sessions.items():
            last = fold.last
            session = k.session(tenant, sid)
            fields: dict[FieldT, EncodableT] = {
                "session_id": sid, "last_at": last.at.isoformat(), "last_kind": last.kind,
                "last_position": last.position, "agent": last.agent,
                "status": "ended" if last.kind == "SessionEnd" else "active",
            }  # fmt: skip
            if fold.tool:
                fields["last_tool"] = fold.tool
            pipe.hset(session, mapping=fields)
            for counter, count in fold.counters.items():
                pipe.hincrby(session, counter, count)
            expires = int((last.at + KEEP).timestamp())
            pipe.expireat(session, expires)
            pipe.expireat(k.recent(tenant, sid), expires)
            if fold.presence is not None:  # the last event that moves the session in or out
                if fold.presence.kind == "SessionEnd":
                    pipe.zrem(k.active(tenant), sid)
                else:
                    pipe.zadd(k.active(tenant), {sid: fold.presence.at.timestamp()})
        cutoff = (now - KEEP).timestamp()
        for tenant, counts in tenants.items():
            for counter, count in counts.items():
                pipe.hincrby(k.counters(tenant), counter, count)
            pipe.zremrangebyscore(k.active(tenant), "-inf", cutoff)

    def _tell(self, pipe: redis.client.Pipeline, events: list[LiveEvent], now: datetime) -> None:
        """Publishes without storing (``LiveChanges.told``)."""
        for event in events:
            if now - event.at <= PUBLISH_WITHIN:
                pipe.publish(self._keys.channel(event.tenant_id), json.dumps(event.public()))

    def reset(self) -> None:
        """Deletes every live-state key of this prefix and the position, atomically (a Lua
        script), so a runner applying a batch meanwhile either lands before it, and is
        erased with the rest, or fails its WATCH and replays from the start."""
        self._redis.eval(_RESET, 1, self._keys.position, self._keys.pattern)

    def close(self) -> None:
        self._redis.close()


class _SessionFold:
    """What a batch leaves in one session's keys: the last event, the last tool seen, the
    last event that is not a decision (it decides active/ended), counters to add."""

    def __init__(self, first: LiveEvent) -> None:
        self.last = first
        self.presence: LiveEvent | None = None
        self.tool = ""
        self.counters: Counter[str] = Counter()
        self.add(first)

    def add(self, event: LiveEvent) -> None:
        self.last = event
        if event.tool:
            self.tool = event.tool
        if event.kind != "Decision":
            self.presence = event
        self.counters.update(counters_of(event))


_RESET = """
local cursor = "0"
repeat
    local page = redis.call("SCAN", cursor, "MATCH", ARGV[1], "COUNT", 1000)
    cursor = page[1]
    if #page[2] > 0 then redis.call("UNLINK", unpack(page[2])) end
until cursor == "0"
return redis.call("DEL", KEYS[1])
"""
