"""The screening pool: small bodies inline, large ones in a worker, and a worker that does not
answer in time costs a sealed body, never a lost one or one in the clear."""

from __future__ import annotations

import json

from domain.privacy.redaction import UNSCREENED_MARKER, restore
from domain.privacy.screening import screen_hook
from infra.screening_pool import ScreeningPool
from tests.privacy_cases import WORST_CASES


def hook(stdout: str) -> dict[str, object]:
    return {"session_id": "s1", "hook_event_name": "PostToolUse", "tool_name": "Bash",
            "tool_response": {"stdout": stdout}, "note": "mail jane@example.com"}  # fmt: skip


async def test_a_typical_hook_is_screened_inline_without_starting_a_worker():
    pool = ScreeningPool(1000)
    try:
        payload = hook("ok")
        text = json.dumps(payload)
        screened = await pool.screen_hook(payload, text, None, None, size=len(text))
        assert screened == screen_hook(payload, text)
        assert pool._pool is None
    finally:
        pool.close()


async def test_a_large_body_is_screened_in_a_worker_to_the_same_result():
    pool = ScreeningPool(60_000)
    try:
        await pool.start()
        payload = hook(WORST_CASES["email"](64 * 1024))
        text = json.dumps(payload)
        screened = await pool.screen_hook(payload, text, None, None, size=len(text))
        assert screened == screen_hook(payload, text)
        assert not screened.unscreened and "email" in screened.kinds
        assert await pool.redact_text(text) == json.dumps(json.loads(screened.payload_json))
    finally:
        pool.close()


async def test_a_worker_missing_its_deadline_leaves_every_value_sealed_as_a_marker():
    pool = ScreeningPool(0.001, grace_seconds=0.0)  # no time, no grace: the answer comes late
    try:
        await pool.start()
        payload = hook(WORST_CASES["phone"](64 * 1024))
        text = json.dumps(payload)
        screened = await pool.screen_hook(payload, text, None, None, size=len(text))
        stored = json.loads(screened.payload_json)
        assert stored["tool_response"]["stdout"] == UNSCREENED_MARKER
        assert stored["note"] == UNSCREENED_MARKER and "jane@" not in screened.payload_json
        assert screened.unscreened
        assert restore(stored, screened.originals["payload"]) == payload
        assert await pool.redact_text(text) == UNSCREENED_MARKER
    finally:
        pool.close()


async def test_a_body_whose_pool_another_failure_shut_down_is_sealed_not_lost():
    """Two large bodies share the worker; the first misses its deadline and the pool is shut
    down with its queued work. The second must come back sealed, never raise (a cancelled
    future used to escape as CancelledError and fail the hook)."""
    import asyncio

    pool = ScreeningPool(0.001, workers=1, grace_seconds=0.0)
    try:
        await pool.start()
        payloads = [hook(WORST_CASES["phone"](64 * 1024)) for _ in range(2)]
        texts = [json.dumps(p) for p in payloads]
        both = await asyncio.gather(
            *(
                pool.screen_hook(p, t, None, None, size=len(t))
                for p, t in zip(payloads, texts, strict=True)
            ),
            return_exceptions=True,
        )
        assert not [b for b in both if isinstance(b, BaseException)], both
        assert all(s.unscreened and "jane@" not in s.payload_json for s in both)
    finally:
        pool.close()


async def test_an_export_of_many_records_is_screened_in_one_worker_call_to_the_same_result():
    """An OTLP export's records go to the worker together (one round trip, one memo) once
    they are more than a typical hook, and come back as each would be screened alone."""
    pool = ScreeningPool(60_000)
    try:
        await pool.start()
        payloads = [hook(f"line {n} mail dev{n}@example.com " * 40) for n in range(100)]
        items = [(p, json.dumps(p)) for p in payloads]
        assert sum(len(t) for _, t in items) > pool.inline_chars
        screened = await pool.screen_many(items)
        assert screened == [screen_hook(p, t) for p, t in items]
        assert all("email" in s.kinds for s in screened)
    finally:
        pool.close()


async def test_a_small_export_is_screened_inline():
    pool = ScreeningPool(1000)
    try:
        items = [(p, json.dumps(p)) for p in (hook("ok"), hook("also ok"))]
        assert await pool.screen_many(items) == [screen_hook(p, t) for p, t in items]
        assert pool._pool is None
    finally:
        pool.close()


async def test_an_export_whose_worker_misses_the_deadline_is_sealed_record_by_record():
    pool = ScreeningPool(0.001, grace_seconds=0.0)
    try:
        await pool.start()
        payloads = [hook(WORST_CASES["phone"](8 * 1024)) for _ in range(4)]
        screened = await pool.screen_many([(p, json.dumps(p)) for p in payloads])
        for payload, one in zip(payloads, screened, strict=True):
            stored = json.loads(one.payload_json)
            assert one.unscreened and stored["note"] == UNSCREENED_MARKER
            assert restore(stored, one.originals["payload"]) == payload
    finally:
        pool.close()
