"""A model call is told live (the usage page refetches on it) but stored nowhere in the live
state: its session stays as its hooks left it (telemetry often lands after SessionEnd) and
the counters count hooks only."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
import redis

from domain.sessions.aggregate import AgentSession
from projections.live_state.keys import LiveKeys
from projections.live_state.projection import MODEL_CALL, LiveStateProjection
from projections.live_state.redis import RedisLiveStateView
from tests.cleanup import delete_redis_keys
from tests.contract.analytics_fakes import T0, Stream

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def keys():
    keys = LiveKeys(f"t{uuid.uuid4().hex[:10]}")
    yield keys
    delete_redis_keys(REDIS_URL, f"{keys.prefix}:*")


def model_call(s: Stream, seconds: float) -> object:
    common = s._common(seconds)
    return AgentSession.ModelCallRecorded(
        **common, event_name="claude_code.api_request", prompt_id=None,
        occurred_at=common["timestamp"], source="otlp", payload_json="{}", redacted=[],
        sealed=None, model="claude-opus-4-7", input_tokens=100, output_tokens=50,
        cache_read_tokens=0, cache_creation_tokens=0, cost_usd=0.01, duration_ms=900.0,
        error=None, user_id="u1", organization_id=None, team="payments",
    )  # fmt: skip


def test_a_model_call_after_session_end_is_published_and_not_stored(keys):
    s = Stream("acme", "s1")
    now = (datetime.now(UTC) - T0).total_seconds()  # recent: keys expire a day after their event
    events = list(enumerate([
        s.hook(AgentSession.Started, "SessionStart", now - 5),
        s.hook(AgentSession.Ended, "SessionEnd", now - 4),
        model_call(s, now - 1),
    ], start=1))  # fmt: skip
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    listener = client.pubsub()
    try:
        listener.subscribe(keys.channel("acme"))
        subscribed = listener.get_message(timeout=5)
        assert subscribed is not None and subscribed["type"] == "subscribe"
        view = RedisLiveStateView(client, keys)
        view.apply(LiveStateProjection().changes(events), 0, 3)
        told = []
        while len(told) < 3 and (message := listener.get_message(timeout=5)) is not None:
            if message["type"] == "message":
                told.append(json.loads(message["data"]))
        assert [(e["kind"], e["tool"]) for e in told] == [
            ("SessionStart", ""), ("SessionEnd", ""), (MODEL_CALL, "claude-opus-4-7"),
        ]  # fmt: skip
        session = client.hgetall(keys.session("acme", "s1"))
        assert (session["status"], session["last_kind"]) == ("ended", "SessionEnd")
        assert "last_tool" not in session
        assert client.zscore(keys.active("acme"), "s1") is None
        assert client.hget(keys.counters("acme"), "events") == "2"
        assert client.xlen(keys.recent("acme", "s1")) == 2
    finally:
        listener.close()
        client.close()
