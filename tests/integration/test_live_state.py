"""Live state in Redis: counts equal the store's, exactly once, rebuildable, published live."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import timedelta

import pytest
import redis
import redis.asyncio

from commands.ingest.service import Ingestor
from infra.database import eventsourcing_env
from infra.tracking import StalePositionError
from projections.live_state.keys import LiveKeys
from projections.live_state.projection import LiveStateProjection
from projections.live_state.queries import LiveStateQueries
from projections.live_state.redis import RedisLiveStateView
from tests.cleanup import delete_redis_keys
from tests.projection_support import corpus_commands, hooks_in_store
from workers.projector import ProjectorRunner

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def keys():
    keys = LiveKeys(f"t{uuid.uuid4().hex[:10]}")
    yield keys
    delete_redis_keys(REDIS_URL, f"{keys.prefix}:*")


@pytest.fixture
def ingestor(pg_url, schema):
    ingestor = Ingestor(eventsourcing_env(pg_url, schema, 2))
    yield ingestor
    ingestor.close()


_clients: list[redis.Redis] = []


@pytest.fixture(autouse=True)
def _close_clients():
    yield
    while _clients:
        _clients.pop().close()


def live_runner(store, url: str, keys: LiveKeys, batch: int = 1_000) -> ProjectorRunner:
    client = redis.Redis.from_url(url, decode_responses=True)
    _clients.append(client)
    return ProjectorRunner("live_state", store, LiveStateProjection(),
                           RedisLiveStateView(client, keys), batch_size=batch)  # fmt: skip


def snapshot(url: str, keys: LiveKeys) -> dict[str, object]:
    client = redis.Redis.from_url(url, decode_responses=True)
    found: dict[str, object] = {}
    for key in client.scan_iter(match=keys.pattern):
        kind = client.type(key)
        if kind == "hash":
            found[key] = client.hgetall(key)
        elif kind == "zset":
            found[key] = client.zrange(key, 0, -1, withscores=True)
        elif kind == "stream":
            found[key] = client.xrange(key)
    client.close()
    return found


def test_counters_equal_the_store_and_sessions_show_their_latest_events(store, ingestor, keys):
    ingestor.record(corpus_commands("acme"))
    ingestor.record(corpus_commands("other", "-x"))
    live_runner(store, REDIS_URL, keys, batch=17).catch_up()

    hooks = hooks_in_store(ingestor, "acme")

    commands = corpus_commands("acme")
    ids = {c.facts.session_id for c in commands}
    ended = {c.facts.session_id for c in commands if c.facts.hook == "SessionEnd"}

    async def read():
        client = redis.asyncio.Redis.from_url(REDIS_URL, decode_responses=True)
        queries = LiveStateQueries(client, keys)
        counters = await queries.counters("acme")
        active = await queries.active_sessions("acme", timedelta(hours=1))
        states = {sid: await queries.session("acme", sid) for sid in ids}
        recent = {sid: await queries.recent_events("acme", sid, 5) for sid in ids}
        await client.aclose()
        return counters, active, states, recent

    counters, active, states, recent = asyncio.run(read())
    assert counters["events"] == sum(hooks.values())
    assert counters["tool_calls"] == hooks["PreToolUse"]
    assert counters["failures"] == hooks["PostToolUseFailure"]
    assert {s.session_id for s in active} == ids - ended
    assert {sid for sid, state in states.items() if state.status == "ended"} == ended
    assert sum(state.counters["events"] for state in states.values()) == sum(hooks.values())
    for events in recent.values():
        positions = [e["position"] for e in events]
        assert positions == sorted(positions, reverse=True)  # newest first
        assert all(set(e) >= {"kind", "tool", "agent", "session_id"} for e in events)
        assert all("payload" not in e for e in events)  # no data in the cache, only facts


def test_a_batch_is_applied_once_even_when_offered_twice(store, ingestor, keys):
    ingestor.record(corpus_commands())
    runner = live_runner(store, REDIS_URL, keys)
    runner.catch_up()
    before = snapshot(REDIS_URL, keys)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    _clients.append(client)
    view = RedisLiveStateView(client, keys)
    events = [(n.id, store.mapper.to_domain_event(n))
              for n in store.recorder.select_notifications(start=1, limit=50)]  # fmt: skip
    with pytest.raises(StalePositionError):
        view.apply(LiveStateProjection().changes(events), 0, events[-1][0])
    assert snapshot(REDIS_URL, keys) == before


def test_rebuild_equals_the_incremental_state(store, ingestor, keys):
    commands = corpus_commands()
    ingestor.record(commands[:20])
    runner = live_runner(store, REDIS_URL, keys, batch=7)
    runner.catch_up()
    ingestor.record(commands[20:])
    runner.catch_up()
    incremental = snapshot(REDIS_URL, keys)
    assert incremental
    runner.rebuild()
    assert snapshot(REDIS_URL, keys) == incremental


def test_a_flushed_redis_is_rebuilt_from_the_log(store, ingestor, valkey_server_factory):
    server = valkey_server_factory()
    url = f"redis://{server.host}:{server.port}/0"
    keys = LiveKeys("observatory")
    ingestor.record(corpus_commands())
    runner = live_runner(store, url, keys)
    runner.catch_up()
    before = snapshot(url, keys)
    with redis.Redis.from_url(url) as client:
        client.flushall()
    assert snapshot(url, keys) == {}
    runner.run_once()  # finds its batch refused: Redis lost the position
    runner.catch_up()
    assert snapshot(url, keys) == before


def test_subscribers_receive_events_as_they_are_projected(store, ingestor, keys):
    commands = corpus_commands("acme")
    results: list[list[dict[str, object]]] = []
    subscribed = threading.Event()

    async def subscriber() -> None:
        client = redis.asyncio.Redis.from_url(REDIS_URL, decode_responses=True)
        subscription = await LiveStateQueries(client, keys).subscribe("acme")
        subscribed.set()
        got: list[dict[str, object]] = []
        async for event in subscription:
            got.append(event)
            if sum(1 for e in got if e["kind"] != "Decision") == len(commands):
                break
        await subscription.close()
        await client.aclose()
        results.append(got)

    thread = threading.Thread(target=lambda: asyncio.run(subscriber()))
    thread.start()
    assert subscribed.wait(30)  # a hang guard: a loaded machine starts the thread slowly
    ingestor.record(commands)
    ingestor.record(corpus_commands("other", "-x"))  # another tenant's: never delivered here
    live_runner(store, REDIS_URL, keys).catch_up()
    thread.join(30)
    assert not thread.is_alive()
    got = results[0]
    assert [e["position"] for e in got] == sorted(e["position"] for e in got)
    assert {e["tenant_id"] for e in got} == {"acme"}
    assert {e["session_id"] for e in got} == {c.facts.session_id for c in commands}
