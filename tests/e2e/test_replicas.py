"""Two API replicas: a policy change or a quarantine made through one decides the next call on
both, once each has read up to the change's position (waited on, never slept on)."""

from __future__ import annotations

import json
import signal
import time

import httpx

from infra.embedded.postgres import free_port
from tests.e2e.processes import bearer, credentials, env, kill_group, start, wait_until_ready

RULE = {
    "id": "no-terraform",
    "tools": ["Bash"],
    "decision": "deny",
    "priority": 2000,
    "when": {"command": {"program": "terraform", "args_any": ["apply"]}},
}


def call(base: str, key: str, command: str, n: int, session: str = "replica-s") -> str | None:
    body = {
        "session_id": session,
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command},
        "tool_use_id": f"t{n}",
    }
    response = httpx.post(
        base + "/v1/hooks/claude-code", content=json.dumps(body), timeout=10, headers=bearer(key)
    )
    assert response.status_code == 200, response.text
    return response.json()["hookSpecificOutput"]["permissionDecision"] if response.content else None


def caught_up(base: str, token: str, position: int, limit: float = 60.0) -> dict:
    """Waits until this replica's guardrail state has read ``position`` (its tracked position)."""
    deadline = time.monotonic() + limit
    while True:
        status = httpx.get(base + "/v1/guardrails/status", timeout=5, headers=bearer(token)).json()
        if status["position"] >= position:
            return status
        assert time.monotonic() < deadline, f"{base} stuck at {status}"
        time.sleep(0.02)  # polling the replica's tracked position (no NOTIFY over HTTP)


def test_policy_and_quarantine_changes_reach_every_replica(pg_url, schema, tmp_path):
    bases, processes = [], []
    log = tmp_path / "replicas.log"
    shared = env(
        OBSERVATORY_DATABASE_URL=pg_url,
        OBSERVATORY_DATABASE_SCHEMA=schema,
        OBSERVATORY_LOG_LEVEL="warning",
        OBSERVATORY_DATA_DIR=str(tmp_path / "data"),  # one signing key for both replicas
    )
    key, token = credentials(shared)
    for _ in range(2):
        port = free_port()
        processes.append(start(["serve"], {**shared, "OBSERVATORY_PORT": str(port)}, log))
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base, process in zip(bases, processes, strict=True):
            wait_until_ready(base, process, log)
        assert [call(b, key, "terraform apply", i) for i, b in enumerate(bases)] == [None, None]

        change = httpx.post(
            bases[0] + "/v1/guardrails/rules", json=RULE, timeout=10, headers=bearer(token)
        ).json()
        for i, base in enumerate(bases):
            assert caught_up(base, token, change["position"])["policy_version"] == change["version"]
            assert call(base, key, "terraform apply -auto-approve", 10 + i) == "deny"

        quarantine = httpx.post(
            bases[1] + "/v1/guardrails/quarantines",
            timeout=10,
            json={"id": "replica-q", "mode": "ask", "reason": "review"},
            headers=bearer(token),
        ).json()
        for i, base in enumerate(bases):
            caught_up(base, token, quarantine["position"])
            assert call(base, key, "ls", 20 + i, session="replica-q") == "ask"

        release = httpx.delete(
            bases[0] + "/v1/guardrails/quarantines/session/replica-q", timeout=10,
            headers=bearer(token),
        ).json()  # fmt: skip
        for i, base in enumerate(bases):
            caught_up(base, token, release["position"])
            assert call(base, key, "ls", 30 + i, session="replica-q") is None
    finally:
        for process in processes:
            kill_group(process, signal.SIGTERM)
            process.wait(30)
