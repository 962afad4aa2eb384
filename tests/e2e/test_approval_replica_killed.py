"""kill -9 of the replica holding an approval loses nothing: the request was recorded before
anyone waited, the answer given through another replica is recorded, and the agent's retry
(same Idempotency-Key) gets that recorded answer."""

from __future__ import annotations

import concurrent.futures
import signal
import uuid
from datetime import timedelta

import httpx

from domain.sessions.values import session_stream_id
from infra.access.principal import Role
from infra.access.tokens import signer_for
from infra.embedded.postgres import free_port
from tests.e2e.processes import env, kill_group, start, wait_until_ready
from tests.integration.test_approvals import (
    APPROVE,
    RULE,
    Replica,
    graphql,
    pre_tool_use,
    send,
    wait_for_pending,
)
from tests.live import LiveServer


def test_the_retry_after_kill_9_of_the_holding_replica_gets_the_recorded_answer(
    secure_settings, pg_url, schema, store, tmp_path
):
    signer = signer_for(secure_settings)
    dana = {"authorization": "Bearer " + signer.issue("dana", "default", [Role.AGENT],
                                                      timedelta(minutes=10))}  # fmt: skip
    bob = {"authorization": "Bearer " + signer.issue("bob", "default", [Role.OPERATOR],
                                                     timedelta(minutes=10))}  # fmt: skip
    other = Replica(LiveServer(secure_settings.replace(port=free_port()), pg_url))
    port = free_port()
    holder = f"http://127.0.0.1:{port}"
    log = tmp_path / "holder.log"
    process = None
    try:
        added = httpx.post(f"{other.server.base_url}/v1/guardrails/rules", json=RULE, headers=bob)
        assert added.status_code == 202, added.text
        other.follow()
        environment = env(
            OBSERVATORY_DATABASE_URL=pg_url, OBSERVATORY_DATABASE_SCHEMA=schema,
            OBSERVATORY_PORT=str(port), OBSERVATORY_LOG_LEVEL="warning",
            OBSERVATORY_DATA_DIR=str(secure_settings.data_dir),
        )  # fmt: skip
        process = start(["serve"], environment, log)  # reads the rule as it starts
        wait_until_ready(holder, process, log)
        session, key = f"kill-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
        hook = pre_tool_use(session, "kubectl --context prod scale deploy/ledger --replicas=0")
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            held = pool.submit(send, holder, hook, dana, key)
            pending = wait_for_pending(other.server.base_url, bob, session)
            kill_group(process, signal.SIGKILL)
            process.wait(30)
            try:
                held.result(timeout=60)
                raise AssertionError("the killed replica answered")
            except httpx.HTTPError:
                pass  # the agent's connection dropped: Claude Code retries the hook
        approved = graphql(other.server.base_url, bob, APPROVE, id=pending["requestId"],
                           why="rollback approved")  # fmt: skip
        assert "errors" not in approved, approved
        retry = send(other.server.base_url, hook, dana, key)
        assert retry.status_code == 200, retry.text
        assert retry.headers.get("idempotent-replayed") == "true"
        output = retry.json()["hookSpecificOutput"]
        assert output["permissionDecision"] == "allow"
        assert "Approved by bob: rollback approved" in output["permissionDecisionReason"]
        kinds = [type(e).__name__ for e in store.events.get(session_stream_id("default", session))]
        assert kinds[-2:] == ["ApprovalRequested", "ApprovalGranted"]
    finally:
        if process is not None and process.poll() is None:
            kill_group(process, signal.SIGKILL)
        other.server.stop()
