"""Human approval end to end on real servers: two API replicas on one database, real HTTP.

A PreToolUse matching an ``approve`` rule is held on replica A; an operator answers through
GraphQL on replica B (another connection, another process's state); the held hook answers
with the approver and the reason. Request, ruling and answer are events of the session's
stream, in the audit export, and ``audit verify`` passes. Nobody answering gives the rule's
default; a viewer cannot answer (403), another tenant's request is not found, an answer
given twice is refused, the agent's own user cannot approve. No sleeps: the test waits for
the pending request on the ``pendingApprovals`` subscription.
"""

from __future__ import annotations

import concurrent.futures
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from websockets.sync.client import connect

from domain.sessions.values import session_stream_id
from infra.access.principal import Role
from infra.access.tokens import signer_for
from infra.database import connect as connect_db
from infra.embedded.postgres import free_port
from projections.audit_log.postgres import PostgresAuditLogView
from projections.audit_log.projection import NAME as AUDIT_LOG
from projections.audit_log.projection import AuditLogProjection
from tests.live import LiveServer
from workers.cli import main
from workers.projector import ProjectorRunner

HOOK = "/v1/hooks/claude-code"
RULE = {"id": "prod-deploys", "tools": ["Bash"], "when": {"command": {"program": "kubectl"}},
        "decision": "approve", "message": "Production changes need a person on duty.",
        "approve": {"roles": ["operator"], "wait_seconds": 40}}  # fmt: skip
PENDING = "subscription { pendingApprovals { requestId sessionId summary ruleId requestedBy } }"
APPROVE = """mutation($id: String!, $why: String!) {
  approve(requestId: $id, reason: $why) { requestId position } }"""


class Replica:
    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.app: Any = server._server.config.app  # the Litestar app it serves

    def follow(self) -> None:
        """This replica's guardrail state up to date with the rules recorded so far."""
        self.app.state.gate.decider.follower.catch_up()


@pytest.fixture
def replicas(secure_settings, pg_url) -> Iterator[tuple[Replica, Replica]]:
    a = LiveServer(secure_settings.replace(port=free_port()), pg_url)
    b = LiveServer(secure_settings.replace(port=free_port()), pg_url)
    yield Replica(a), Replica(b)
    a.stop()
    b.stop()


@pytest.fixture
def who(secure_settings) -> dict[str, dict[str, str]]:
    signer = signer_for(secure_settings)

    def bearer(sub: str, roles: list[Role], tenant: str = "default") -> dict[str, str]:
        token = signer.issue(sub, tenant, roles, timedelta(minutes=10))
        return {"authorization": f"Bearer {token}"}

    return {
        "dana": bearer("dana", [Role.AGENT, Role.OPERATOR]),  # runs the agent, is on duty too
        "bob": bearer("bob", [Role.OPERATOR]),
        "carol": bearer("carol", [Role.VIEWER]),
        "mallory": bearer("mallory", [Role.OPERATOR], tenant="other"),
        "admin": bearer("admin", [Role.ADMIN]),
    }


def add_rule(replicas: tuple[Replica, Replica], who: Any, rule: dict[str, Any]) -> None:
    a, b = replicas
    added = httpx.post(f"{b.server.base_url}/v1/guardrails/rules", json=rule, headers=who["bob"])
    assert added.status_code == 202, added.text
    a.follow()
    b.follow()


def pre_tool_use(session: str, command: str) -> dict[str, Any]:
    return {"session_id": session, "hook_event_name": "PreToolUse", "tool_name": "Bash",
            "tool_use_id": f"toolu_{uuid.uuid4().hex[:12]}", "tool_input": {"command": command},
            "cwd": "/home/dana/src/ledger-api", "transcript_path": "/tmp/t.jsonl",
            "permission_mode": "default"}  # fmt: skip


def send(base: str, hook: dict[str, Any], headers: dict[str, str], key: str) -> httpx.Response:
    return httpx.post(f"{base}{HOOK}", json=hook,
                      headers={**headers, "Idempotency-Key": key}, timeout=60)  # fmt: skip


def wait_for_pending(base: str, headers: dict[str, str], session: str) -> dict[str, Any]:
    """The session's pending request, as soon as the subscription shows it."""
    with connect(base.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"],
                 open_timeout=10) as ws:  # fmt: skip
        ws.send(json.dumps({"type": "connection_init", "payload": headers | {
            "Authorization": headers["authorization"]}}))  # fmt: skip
        assert json.loads(ws.recv(10))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": PENDING}}))
        while True:
            message = json.loads(ws.recv(30))
            assert message["type"] == "next", message
            found = [p for p in message["payload"]["data"]["pendingApprovals"]
                     if p["sessionId"] == session]  # fmt: skip
            if found:
                return dict(found[0])


def graphql(base: str, headers: dict[str, str], query: str, **variables: Any) -> dict[str, Any]:
    answer = httpx.post(f"{base}/graphql", json={"query": query, "variables": variables},
                        headers=headers, timeout=30)  # fmt: skip
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def cli(settings: Any, *args: str, env: dict[str, str] | None = None) -> Any:
    environment = {
        "OBSERVATORY_DATABASE_URL": settings.database_url,
        "OBSERVATORY_DATABASE_SCHEMA": settings.database_schema,
        "OBSERVATORY_DATA_DIR": str(settings.data_dir),
        **(env or {}),
    }
    return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)


def test_a_held_hook_is_approved_from_another_replica_and_everything_is_recorded(
    replicas, who, store, secure_settings, tmp_path, timeline, guardrails, pg_url, schema
):
    a, b = replicas
    add_rule(replicas, who, RULE)
    session, key = f"appr-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    hook = pre_tool_use(session, "kubectl --context prod rollout restart deploy/ledger")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        held = pool.submit(send, a.server.base_url, hook, who["dana"], key)
        pending = wait_for_pending(b.server.base_url, who["bob"], session)
        assert not held.done()
        assert pending["summary"].startswith("kubectl --context prod")
        assert (pending["ruleId"], pending["requestedBy"]) == ("prod-deploys", "dana")
        request = pending["requestId"]
        url = f"{b.server.base_url}/v1/approvals/{request}/approve"

        viewer = httpx.post(url, json={"reason": "fine"}, headers=who["carol"])
        assert viewer.status_code == 403, viewer.text
        stranger = httpx.post(url, json={"reason": "fine"}, headers=who["mallory"])
        assert stranger.status_code == 404, stranger.text
        own = httpx.post(url, json={"reason": "mine"}, headers=who["dana"])
        assert (own.status_code, own.json()["reason"]) == (403, "forbidden"), own.text
        listed = httpx.get(f"{b.server.base_url}/v1/approvals", headers=who["mallory"]).json()
        assert listed == {"approvals": []}

        as_bob = {"OBSERVATORY_TOKEN": who["bob"]["authorization"].removeprefix("Bearer ")}
        listed_cli = cli(secure_settings, "approvals", "list", "--json", "--url",
                         b.server.base_url, env=as_bob)  # fmt: skip
        assert listed_cli.exit_code == 0, listed_cli.output
        assert request in [p["requestId"] for p in json.loads(listed_cli.output)]

        approved = graphql(b.server.base_url, who["bob"], APPROVE, id=request,
                           why="change window CHG-1234")  # fmt: skip
        assert approved["data"]["approve"]["requestId"] == request, approved
        answer = held.result(timeout=60)

    assert answer.status_code == 200, answer.text
    output = answer.json()["hookSpecificOutput"]
    assert output["permissionDecision"] == "allow"
    assert "Approved by bob: change window CHG-1234" in output["permissionDecisionReason"]

    twice = httpx.post(f"{b.server.base_url}/v1/approvals/{request}/deny", headers=who["bob"])
    assert twice.status_code == 409, twice.text
    refused = cli(secure_settings, "approvals", "deny", request, "--url", b.server.base_url,
                  env=as_bob)  # fmt: skip
    assert refused.exit_code == 1 and "granted already" in refused.output, refused.output
    # The agent's retry (same Idempotency-Key) through the other replica: the recorded answer.
    again = send(b.server.base_url, hook, who["dana"], key)
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == answer.json()

    stream = session_stream_id("default", session)
    kinds = [type(e).__name__ for e in store.events.get(stream)]
    assert kinds == ["Opened", "ToolCallRequested", "ToolCallDecided", "ApprovalRequested",
                     "ApprovalGranted"]  # fmt: skip
    decided = list(store.events.get(stream))[2]
    assert (decided.decision, decided.rule_id) == ("approve", "prod-deploys")

    assert cli(secure_settings, "audit", "verify").exit_code == 0
    out = tmp_path / "bundle"
    exported = cli(secure_settings, "audit", "export", "--out", str(out), "--session", session)
    assert exported.exit_code == 0, exported.output
    rows = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    granted = [r for r in rows if "ApprovalGranted" in json.dumps(r)]
    assert granted and "bob" in json.dumps(granted[0])
    assert cli(secure_settings, "audit", "verify-export", str(out)).exit_code == 0

    # The read models take the new events: the ruling is an APPROVE decision, the answer an
    # audit-log entry naming who gave it.
    timeline.catch_up()
    guardrails.catch_up()
    with connect_db(pg_url, schema, autocommit=True) as conn:
        ProjectorRunner(
            AUDIT_LOG, store, AuditLogProjection(), PostgresAuditLogView(conn)
        ).catch_up()
    read = graphql(b.server.base_url, who["bob"], """query($s: String!) {
      guardrailDecisions(filter: {sessionId: $s}) { edges { node { decision ruleId } } } }""",
                   s=session)  # fmt: skip
    decisions = [e["node"] for e in read["data"]["guardrailDecisions"]["edges"]]
    assert decisions == [{"decision": "APPROVE", "ruleId": "prod-deploys"}], read
    entries = [
        e["node"]
        for e in graphql(
            b.server.base_url,
            who["admin"],
            """{
      auditLog(first: 5) { edges { node { actor action target } } } }""",
        )["data"]["auditLog"]["edges"]
    ]
    assert {"actor": "bob", "action": "approval.granted", "target": request} in entries


def test_nobody_answering_gives_the_rules_default_once(replicas, who, store):
    a, b = replicas
    add_rule(replicas, who, {**RULE, "id": "quick", "approve": {"wait_seconds": 1}})
    session, key = f"expiry-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    hook = pre_tool_use(session, "kubectl delete pod web-1")
    answer = send(a.server.base_url, hook, who["dana"], key)
    assert answer.status_code == 200, answer.text
    output = answer.json()["hookSpecificOutput"]
    assert output["permissionDecision"] == "deny"
    assert "Nobody answered in time" in output["permissionDecisionReason"]

    again = send(b.server.base_url, hook, who["dana"], key)
    assert again.json() == answer.json()
    stream = session_stream_id("default", session)
    kinds = [type(e).__name__ for e in store.events.get(stream)]
    assert kinds[-2:] == ["ApprovalRequested", "ApprovalExpired"]
    assert kinds.count("ApprovalExpired") == 1
    late = httpx.post(f"{b.server.base_url}/v1/approvals/"
                      f"{list(store.events.get(stream))[3].request_id}/approve",
                      headers=who["bob"])  # fmt: skip
    assert late.status_code == 409, late.text


def test_a_permission_request_is_held_and_denied_with_the_approvers_reason(replicas, who, store):
    """The corpus' PermissionRequest (a git push), held by an approve rule on git."""
    from tests.conftest import SESSION_DIR

    a, b = replicas
    add_rule(replicas, who, {**RULE, "id": "pushes", "when": {"command": {"program": "git"}}})
    request_hook = json.loads((SESSION_DIR / "023_PermissionRequest_Bash.json").read_bytes())
    session = f"perm-{uuid.uuid4().hex[:8]}"
    request_hook["session_id"] = session
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        held = pool.submit(send, a.server.base_url, request_hook, who["dana"], uuid.uuid4().hex)
        pending = wait_for_pending(b.server.base_url, who["bob"], session)
        assert pending["summary"] == "git push -u origin fix/refund-double-charge"
        denied = httpx.post(f"{b.server.base_url}/v1/approvals/{pending['requestId']}/deny",
                            json={"reason": "push through the merge queue"},
                            headers=who["bob"])  # fmt: skip
        assert denied.status_code == 202, denied.text
        answer = held.result(timeout=60)
    decision = answer.json()["hookSpecificOutput"]["decision"]
    assert decision["behavior"] == "deny"
    assert decision["message"].startswith("Denied by bob: push through the merge queue")
    kinds = [type(e).__name__ for e in store.events.get(session_stream_id("default", session))]
    assert kinds[-3:] == ["ToolCallDecided", "ApprovalRequested", "ApprovalDenied"]


def test_a_session_quarantined_for_approval_holds_its_next_tool_call(replicas, who, store):
    """Quarantines may use approval too: every tool call of the session waits for a person
    (the default approvers: operator or admin), who answers it through the REST inbox."""
    a, b = replicas
    session = f"quar-{uuid.uuid4().hex[:8]}"
    imposed = httpx.post(f"{b.server.base_url}/v1/guardrails/quarantines",
                         json={"kind": "session", "id": session, "mode": "approve",
                               "reason": "suspected prompt injection"},
                         headers=who["bob"])  # fmt: skip
    assert imposed.status_code == 202, imposed.text
    a.follow()
    b.follow()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        held = pool.submit(send, a.server.base_url, pre_tool_use(session, "ls -la"), who["dana"],
                           uuid.uuid4().hex)  # fmt: skip
        pending = wait_for_pending(b.server.base_url, who["bob"], session)
        assert pending["ruleId"] == "quarantine"
        approved = httpx.post(f"{b.server.base_url}/v1/approvals/{pending['requestId']}/approve",
                              json={"reason": "checked the transcript"},
                              headers=who["bob"])  # fmt: skip
        assert approved.status_code == 202, approved.text
        answer = held.result(timeout=60)
    output = answer.json()["hookSpecificOutput"]
    assert output["permissionDecision"] == "allow"
    assert "bob" in output["permissionDecisionReason"]
    assert "checked the transcript" in output["permissionDecisionReason"]
    kinds = [type(e).__name__ for e in store.events.get(session_stream_id("default", session))]
    assert kinds[-3:] == ["ToolCallDecided", "ApprovalRequested", "ApprovalGranted"]
