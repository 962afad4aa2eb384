"""kill -9 of one of ``observatory up``'s children while agents post hooks: the supervisor
restarts it, every acknowledged hook is in the store, and every read model holds each stored
event exactly once (the API child: ingest; the ``project`` child: the projections but one; the
``analytics`` child: the chDB projection, which also answers the API's analytics queries; the
``writer`` child: the group commit the API hands every hook to)."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from infra.embedded.postgres import free_port
from infra.settings import Settings
from projections.event_analytics.connections import borrowed
from projections.event_analytics.queries import EventAnalyticsQueries
from tests.e2e.processes import bearer, env, graphql, start, wait_until_ready
from tests.e2e.test_projection_crash import events_of, positions
from tests.projection_support import calls_in_store, hooks_in_store

CLIENTS = 4
ROLES = {
    "api": lambda argv: argv[4] == "serve",
    "project": lambda argv: argv[4] == "project" and not any("--analytics" in a for a in argv),
    "analytics": lambda argv: argv[4] == "project" and any("--analytics" in a for a in argv),
    "writer": lambda argv: argv[4] == "ingest-writer",
}
"""How each role's production command looks, as the supervisor runs it."""
CONVERGING = ("session_timeline", "agent_metrics", "event_analytics", "live_state")


def child_of(up: psutil.Process, role: str) -> psutil.Process | None:
    """The live child of ``role`` (``python -P -m workers.cli <its command>``)."""
    for process in up.children():
        try:
            argv = process.cmdline()
        except psutil.NoSuchProcess:
            continue
        if (
            argv[3:4] == ["workers.cli"]
            and ROLES[role](argv)
            and process.status() != psutil.STATUS_ZOMBIE
        ):
            return process
    return None


def wait_for(condition, what: str, log: Path, limit: float = 90.0):
    deadline = time.monotonic() + limit
    while not (found := condition()):
        assert time.monotonic() < deadline, f"{what} after {limit}s:\n{log.read_text()}"
        time.sleep(0.05)  # polling child processes, acknowledgements and tracked positions
    return found


class Agents:
    """Clients posting PreToolUse hooks until stopped; what was acknowledged (200)."""

    def __init__(self, base: str, key: str) -> None:
        self.acked: list[tuple[str, str]] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._post, args=(base, key, n))
                         for n in range(CLIENTS)]  # fmt: skip

    def __enter__(self) -> Agents:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join()

    def _post(self, base: str, key: str, n: int) -> None:
        session = f"agent-{n}"
        with httpx.Client(base_url=base, timeout=10, headers=bearer(key)) as http:
            for i in range(1_000_000):
                if self.stop.is_set():
                    return
                body = {"session_id": session, "hook_event_name": "PreToolUse",
                        "tool_name": "Bash", "tool_use_id": f"{session}-{i}",
                        "tool_input": {"command": f"npm test -- --run {i}"}}  # fmt: skip
                try:
                    response = http.post("/v1/hooks/claude-code", content=json.dumps(body))
                except httpx.HTTPError:
                    self.stop.wait(0.05)  # the API is restarting: try the next hook soon
                    continue
                if response.status_code == 200:
                    with self._lock:
                        self.acked.append((session, body["tool_use_id"]))

    def count(self) -> int:
        with self._lock:
            return len(self.acked)


@pytest.mark.parametrize("role", ["api", "project", "analytics", "writer"])
def test_a_killed_child_is_restarted_and_nothing_is_lost_or_applied_twice(
    role, pg_url, schema, store, db, tmp_path
):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = tmp_path / "data"
    environment = env(OBSERVATORY_DATABASE_URL=pg_url, OBSERVATORY_DATABASE_SCHEMA=schema,
                      OBSERVATORY_DATA_DIR=str(data_dir), OBSERVATORY_PORT=str(port),
                      OBSERVATORY_PROJECTOR_BATCH="50")  # fmt: skip
    log = tmp_path / "up.log"
    up = start(["up"], environment, log)
    try:
        wait_until_ready(base, up, log, limit=120)
        key = (data_dir / "auth" / "agent.key").read_text().strip()
        token = (data_dir / "auth" / "admin.token").read_text().strip()
        supervisor = psutil.Process(up.pid)
        with Agents(base, key) as agents:
            wait_for(lambda: agents.count() >= 200, "200 hooks acknowledged", log)
            wait_for(lambda: positions(db).get("session_timeline", 0) > 0, "projecting", log)
            victim = wait_for(lambda: child_of(supervisor, role), f"the {role} child", log)
            victim.send_signal(signal.SIGKILL)
            victim.wait(30)
            restarted = wait_for(lambda: child_of(supervisor, role), f"{role} restarted", log)
            assert restarted.pid != victim.pid
            goal = agents.count() + 200  # the restarted child does its work again
            wait_for(lambda: agents.count() >= goal, "200 more hooks after restart", log)
        head = int(store.recorder.max_notification_id())
        wait_for(lambda: all(positions(db).get(n, 0) >= head for n in CONVERGING),
                 "every read model at the head of the log", log)  # fmt: skip
        read = graphql(base, "{ liveCounters { events toolCalls } topTools { calls } }", token)
    finally:
        up.send_signal(signal.SIGINT)
        code = up.wait(60)
    output = log.read_text()
    assert code == 0, output
    assert f"{role} exited with signal SIGKILL; restarting it" in output
    assert output.count("Observatory is running.") == 1  # the banner, not again at a restart
    assert "api     | " in output and "project | " in output  # each child's lines, prefixed
    assert any(line.startswith("writer  | ") and "ingest writer listening" in line
               for line in output.splitlines())  # fmt: skip

    stored: dict[tuple[str, str], int] = {}
    for notification in store.recorder.select_notifications(start=1, limit=1_000_000):
        event = store.mapper.to_domain_event(notification)
        if type(event).__name__ == "ToolCallRequested":
            request = (event.session_id, event.tool_use_id)
            stored[request] = stored.get(request, 0) + 1
    assert [a for a in agents.acked if a not in stored] == [], "acknowledged, not stored"
    assert set(stored.values()) == {1}
    hooks = sum(hooks_in_store(store, "default").values())
    events = db.execute("SELECT count(*), count(DISTINCT position) FROM timeline_events")
    assert events.fetchone() == (hooks, hooks)
    calls = db.execute("SELECT sum(calls) FROM agent_metrics_minute WHERE tenant_id = 'default'")
    assert calls.fetchone()[0] == calls_in_store(store, "default") == len(stored)
    assert read["liveCounters"] == {"events": hooks, "toolCalls": len(stored)}
    assert sum(tool["calls"] for tool in read["topTools"]) == len(stored)  # asked of analytics
    analytics = Settings(data_dir=data_dir)  # the analytics child's chDB, closed with it
    with borrowed(analytics, None) as connection:
        queries = EventAnalyticsQueries(connection, analytics.clickhouse_database)
        assert queries.count_events("default") == events_of(store, "default")
