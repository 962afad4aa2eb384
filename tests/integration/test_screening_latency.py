"""A worst-case body at the size limit is screened without holding up anyone else.

The app runs under uvicorn on a real port; while one hook of the largest size accepted, made
of every detector's worst case, is being screened, ``GET /healthz`` keeps answering about as
fast as it did before (its median compared with a baseline taken in the same test, with a
wide margin), and the screening is counted as done by a worker process.
The hook itself is recorded: what the budget left unscreened is a marker in the event, and
its original is sealed with the session's key.
"""

from __future__ import annotations

import json
import statistics
import threading
import time

import httpx
from prometheus_client import REGISTRY

from domain.privacy.redaction import UNSCREENED_MARKER, restore
from domain.sessions.values import session_stream_id
from tests.privacy_cases import WORST_CASES

SESSION = "5c0d6a1e-0b7e-4c43-9d1b-8f2e1a3b4c5d"


def worst_case_hook(limit: int) -> bytes:
    hook = {
        "session_id": SESSION, "transcript_path": "/home/dev/.claude/t.jsonl",
        "cwd": "/home/dev/app", "hook_event_name": "PostToolUse", "tool_name": "Bash",
        "tool_input": {"command": "git log"}, "tool_use_id": "toolu_worst", "tool_response": {},
    }  # fmt: skip
    share = limit // len(WORST_CASES)
    stdout = "\n".join(  # bidi controls take three bytes each in UTF-8
        build(share // 3 if kind == "bidi" else share) for kind, build in WORST_CASES.items()
    )
    while True:  # and escapes take two: trim to the limit
        hook["tool_response"] = {"stdout": stdout}
        body = json.dumps(hook, ensure_ascii=False).encode()
        if len(body) <= limit:
            assert len(body) > limit - 64
            return body
        stdout = stdout[: len(stdout) - max((len(body) - limit) // 3, 1)]


def healthz_latencies(
    client: httpx.Client, until: threading.Event | None, count: int
) -> list[float]:
    latencies: list[float] = []
    while (until is None and len(latencies) < count) or (until is not None and not until.is_set()):
        started = time.perf_counter()
        assert client.get("/healthz").status_code == 200
        latencies.append(time.perf_counter() - started)
    return latencies


def test_healthz_keeps_its_latency_while_a_worst_case_body_is_screened(live_server, store, keyring):
    body = worst_case_hook(live_server.settings.max_body_bytes)

    def in_worker() -> float:
        labels = {"where": "worker", "outcome": "unscreened"}
        return REGISTRY.get_sample_value("observatory_screening_total", labels) or 0.0

    before = in_worker()
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        baseline = healthz_latencies(client, None, 50)
        answered = threading.Event()
        outcome: dict[str, object] = {}

        def post() -> None:
            started = time.perf_counter()
            with httpx.Client(base_url=live_server.base_url, timeout=60) as poster:
                response = poster.post("/v1/hooks/claude-code", content=body)
            outcome["status"], outcome["seconds"] = (
                response.status_code,
                time.perf_counter() - started,
            )
            answered.set()

        thread = threading.Thread(target=post)
        thread.start()
        during = healthz_latencies(client, answered, 0)
        thread.join()

    assert outcome["status"] == 200
    seconds = float(outcome["seconds"])  # type: ignore[arg-type]
    assert len(during) >= 10, "the hook was answered before healthz could be asked"
    # Screened in a worker process, not on the loop (which would hold every healthz for the
    # whole screening): the worker's count moved, and healthz kept answering meanwhile.
    assert in_worker() == before + 1
    assert statistics.median(during) < 10 * statistics.median(baseline) + 0.01, (during, seconds)

    event = list(store.events.get(session_stream_id("default", SESSION)))[-1]
    assert "unscreened" in event.redacted
    assert UNSCREENED_MARKER in event.payload_json
    assert "415-555-" not in event.payload_json and "@example.com" not in event.payload_json
    originals = json.loads(keyring.unseal("default", SESSION, event.sealed))
    assert restore(json.loads(event.payload_json), originals["payload"]) == json.loads(body)
