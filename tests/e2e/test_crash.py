"""kill -9 the API and the projector while clients post: every acknowledged event is in the
store, and after restart the projection holds each stored event exactly once."""

from __future__ import annotations

import json
import signal
import threading

import httpx
import pytest

from infra.embedded.postgres import free_port
from tests.e2e.processes import (
    bearer,
    credentials,
    env,
    graphql,
    kill_group,
    start,
    wait_until_ready,
)

CLIENTS = 8
KILL_AFTER = 400


@pytest.mark.parametrize("workers", [1, 2], ids=["one-process", "workers-and-host-writer"])
def test_acknowledged_events_survive_kill_9(pg_url, schema, store, db, tmp_path, workers):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = env(
        OBSERVATORY_DATABASE_URL=pg_url,
        OBSERVATORY_DATABASE_SCHEMA=schema,
        OBSERVATORY_PORT=str(port),
        OBSERVATORY_LOG_LEVEL="warning",
        OBSERVATORY_DATA_DIR=str(tmp_path / "data"),
    )
    key, token = credentials(environment)
    log = tmp_path / "processes.log"
    api = start(["serve", "--workers", str(workers)], environment, log)
    projector = start(["project"], environment, log)
    wait_until_ready(base, api, log)

    acked: list[tuple[str, str]] = []
    lock = threading.Lock()
    enough = threading.Event()

    def client(n: int) -> None:
        session = f"crash-{n}"
        with httpx.Client(base_url=base, timeout=10, headers=bearer(key)) as http:
            for i in range(100_000):
                body = {
                    "session_id": session,
                    "hook_event_name": "PreToolUse",
                    "tool_name": "Bash",
                    "tool_use_id": f"{session}-{i}",
                    "tool_input": {"command": f"echo {i}"},
                }
                try:
                    response = http.post("/v1/hooks/claude-code", content=json.dumps(body))
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 200:
                    with lock:
                        acked.append((session, body["tool_use_id"]))
                        if len(acked) >= KILL_AFTER:
                            enough.set()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    assert enough.wait(120), f"only {len(acked)} acknowledged:\n{log.read_text()}"
    kill_group(api, signal.SIGKILL)
    kill_group(projector, signal.SIGKILL)
    for thread in threads:
        thread.join()
    api.wait()
    projector.wait()

    stored = {}
    for notification in store.recorder.select_notifications(start=1, limit=1_000_000):
        event = store.mapper.to_domain_event(notification)
        tool_use_id = getattr(event, "tool_use_id", None)
        if tool_use_id and type(event).__name__ == "ToolCallRequested":
            stored[(event.session_id, tool_use_id)] = (
                stored.get((event.session_id, tool_use_id), 0) + 1
            )
    missing = [a for a in acked if a not in stored]
    assert not missing, f"{len(missing)} acknowledged events are not in the store"
    assert set(stored.values()) == {1}

    api = start(["serve", "--workers", str(workers)], environment, log)
    projector = start(["project"], environment, log)
    try:
        wait_until_ready(base, api, log)
        head = store.recorder.max_notification_id()
        graphql(
            base,
            "query($p: Position) { sessions(first: 1, minPosition: $p) { edges { cursor } } }",
            token,
            p=head,
        )
    finally:
        kill_group(api, signal.SIGTERM)
        kill_group(projector, signal.SIGTERM)
        api.wait(30)
        projector.wait(30)
    rows = db.execute(
        "SELECT count(*), count(DISTINCT (session_id, tool_use_id)) FROM timeline_tool_calls"
    ).fetchone()
    assert rows == (len(stored), len(stored))
    events = db.execute("SELECT count(*) FROM timeline_events").fetchone()[0]
    assert events == len(stored)
