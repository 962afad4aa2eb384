"""The guardrail command API, decisions at ingest, quarantines, and the GraphQL views."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SESSION_DIR
from tests.live import follow

HOOK = "/v1/hooks/claude-code"
RULES = "/v1/guardrails/rules"


def pre(
    command: str, session: str = "s-guard", tool_use_id: str = "t1", agent: str | None = None
) -> bytes:
    body = {
        "session_id": session,
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command},
        "tool_use_id": tool_use_id,
    }
    if agent:
        body["agent_id"] = agent
    return json.dumps(body).encode()


def decision(response) -> tuple[str | None, str | None]:
    if not response.content:
        return None, None
    output = response.json()["hookSpecificOutput"]
    return output["permissionDecision"], output["permissionDecisionReason"]


KUBECTL_PROD = {
    "id": "no-prod-kubectl",
    "tools": ["Bash"],
    "decision": "deny",
    "priority": 2000,
    "when": {"command": {"program": "kubectl", "args_any": ["--context=prod"]}},
    "message": "Use the staging context.",
}


def test_a_new_rule_decides_the_next_call_with_the_new_version(client, store):
    assert decision(client.post(HOOK, content=pre("kubectl --context=prod get pods")))[0] is None
    added = client.post(RULES, json=KUBECTL_PROD)
    assert added.status_code == 202, added.text
    assert added.json()["version"] == 2  # the defaults became version 1
    follow(client)
    denied = client.post(HOOK, content=pre("kubectl --context=prod get pods", tool_use_id="t2"))
    verdict, reason = decision(denied)
    assert verdict == "deny"
    assert "no-prod-kubectl" in reason and "staging" in reason
    events = list(
        store.events.get(store.recorder.select_notifications(start=1, limit=1)[0].originator_id)
    )
    assert events[-1].policy_version == 2


def test_rules_can_be_sent_as_yaml(client):
    body = "id: no-npm-publish\ntools: [Bash]\nwhen: {command: {program: npm, args_any: [publish]}}\ndecision: ask\n"
    response = client.post(RULES, content=body, headers={"content-type": "application/yaml"})
    assert response.status_code == 202, response.text
    follow(client)
    assert decision(client.post(HOOK, content=pre("npm publish --access public")))[0] == "ask"


@pytest.mark.parametrize(
    ("definition", "problem"),
    [
        ({"when": {"builtin": "destructive_rm"}, "decision": "deny"}, "rule.id: required"),
        ({"id": "x", "decision": "deny"}, "rule.when: required"),
        ({"id": "x", "when": {"builtin": "nope"}, "decision": "deny"}, "rule.when.builtin"),
        ({"id": "x", "when": {"command": {}}, "decision": "deny"}, "rule.when.command.program"),
        (
            {"id": "x", "when": {"input": {"pattern": "("}}, "decision": "deny"},
            "not a valid regular expression",
        ),
        (
            {"id": "x", "when": {"sql": {"kinds": ["drop_everything"]}}, "decision": "deny"},
            "rule.when.sql.kinds",
        ),
        (
            {
                "id": "x",
                "when": {"builtin": {"name": "git_force_push", "_type_": "uuid_hex"}},
                "decision": "deny",
            },
            "takes no such parameter",
        ),
        ({"id": "x", "when": {"builtin": "destructive_rm"}, "decision": "block"}, "rule.decision"),
        (
            {"id": "x", "when": {"builtin": "destructive_rm"}, "decision": "deny", "colour": "red"},
            "rule.colour",
        ),
    ],
)
def test_a_bad_rule_gets_400_saying_what_is_wrong(client, store, definition, problem):
    response = client.post(RULES, json=definition)
    assert response.status_code == 400
    body = response.json()
    assert body["reason"] == "invalid_rule"
    assert any(problem in p for p in body["problems"]), body["problems"]
    assert not store.recorder.max_notification_id()


def test_change_remove_and_mode_each_make_a_version(client):
    assert client.post(RULES, json=KUBECTL_PROD).json()["version"] == 2
    changed = client.put(f"{RULES}/no-prod-kubectl", json={**KUBECTL_PROD, "decision": "ask"})
    assert changed.json()["version"] == 3
    follow(client)
    assert decision(client.post(HOOK, content=pre("kubectl --context=prod get x")))[0] == "ask"
    assert (
        client.put(f"{RULES}/no-prod-kubectl/mode", json={"mode": "shadow"}).json()["version"] == 4
    )
    follow(client)
    assert (
        decision(client.post(HOOK, content=pre("kubectl --context=prod get x", tool_use_id="t3")))[
            0
        ]
        is None
    )
    assert client.delete(f"{RULES}/no-prod-kubectl").json()["version"] == 5


def test_unknown_and_duplicate_rules_are_refused(client):
    assert client.delete(f"{RULES}/nope").status_code == 404
    assert client.post(RULES, json=KUBECTL_PROD).status_code == 202
    duplicate = client.post(RULES, json=KUBECTL_PROD)
    assert (duplicate.status_code, duplicate.json()["reason"]) == (409, "conflict")
    mismatch = client.put(f"{RULES}/other", json=KUBECTL_PROD)
    assert mismatch.status_code == 400


def test_a_shadow_rule_records_what_it_would_have_decided_and_changes_nothing(client, guardrails):
    client.post(RULES, json={**KUBECTL_PROD, "mode": "shadow"})
    follow(client)
    response = client.post(HOOK, content=pre("kubectl --context=prod delete pod x"))
    assert decision(response)[0] is None
    guardrails.catch_up()
    found = client.post(
        "/graphql",
        json={
            "query": """{ guardrailDecisions(filter: {shadowOnly: true}) {
        edges { node { decision shadow { ruleId decision message } policyVersion } } } }"""
        },
    ).json()
    node = found["data"]["guardrailDecisions"]["edges"][0]["node"]
    assert node["decision"] is None
    assert node["shadow"][0]["ruleId"] == "no-prod-kubectl"
    assert node["shadow"][0]["decision"] == "DENY"
    assert node["policyVersion"] == 2


def test_quarantine_asks_on_every_call_and_release_allows_again(client, guardrails):
    quarantined = client.post(
        "/v1/guardrails/quarantines",
        json={"kind": "session", "id": "s-q", "mode": "ask", "reason": "looping"},
    )
    assert quarantined.status_code == 202, quarantined.text
    follow(client)
    verdict, reason = decision(client.post(HOOK, content=pre("ls", session="s-q")))
    assert verdict == "ask"
    assert "looping" in reason
    assert decision(client.post(HOOK, content=pre("ls", session="other")))[0] is None
    # a denying rule is stricter than an asking quarantine
    assert (
        decision(client.post(HOOK, content=pre("rm -rf /", session="s-q", tool_use_id="t2")))[0]
        == "deny"
    )
    guardrails.catch_up()
    active = client.post(
        "/graphql", json={"query": "{ quarantines { kind targetId mode reason active } }"}
    ).json()
    assert active["data"]["quarantines"] == [
        {"kind": "session", "targetId": "s-q", "mode": "ASK", "reason": "looping", "active": True}
    ]
    assert client.delete("/v1/guardrails/quarantines/session/s-q").status_code == 202
    follow(client)
    assert (
        decision(client.post(HOOK, content=pre("ls", session="s-q", tool_use_id="t3")))[0] is None
    )
    again = client.delete("/v1/guardrails/quarantines/session/s-q")
    assert (again.status_code, again.json()["reason"]) == (409, "conflict")


def test_an_agent_quarantine_can_deny(client):
    client.post(
        "/v1/guardrails/quarantines",
        json={"kind": "agent", "id": "a-1", "mode": "deny", "reason": "x"},
    )
    follow(client)
    assert decision(client.post(HOOK, content=pre("ls", agent="a-1")))[0] == "deny"
    assert decision(client.post(HOOK, content=pre("ls", tool_use_id="t9")))[0] is None


def test_permission_requests_answer_with_their_own_shape(client):
    client.post(
        RULES,
        json={
            "id": "no-push",
            "tools": ["Bash"],
            "decision": "deny",
            "when": {"command": {"program": "git", "args_any": ["push"]}},
        },
    )
    follow(client)
    body = (SESSION_DIR / "023_PermissionRequest_Bash.json").read_bytes()
    output = client.post(HOOK, content=body).json()["hookSpecificOutput"]
    assert output["hookEventName"] == "PermissionRequest"
    assert output["decision"]["behavior"] == "deny"
    assert "no-push" in output["decision"]["message"]


def test_the_policy_and_its_history_in_graphql(client, guardrails):
    policy = client.post(
        "/graphql", json={"query": "{ guardrailPolicy { version rules { id mode } } }"}
    ).json()
    assert policy["data"]["guardrailPolicy"]["version"] == 0
    assert policy["data"]["guardrailPolicy"]["rules"][0]["id"] == "destructive_rm"
    position = client.post(RULES, json=KUBECTL_PROD).json()["position"]
    client.put(f"{RULES}/destructive_rm/mode", json={"mode": "shadow"})
    guardrails.catch_up()
    query = """query($p: Position) { guardrailPolicy(minPosition: $p) { version rules { id mode } }
               guardrailPolicyHistory { version change ruleId changedBy } }"""
    data = client.post("/graphql", json={"query": query, "variables": {"p": position}}).json()[
        "data"
    ]
    assert data["guardrailPolicy"]["version"] == 3
    modes = {r["id"]: r["mode"] for r in data["guardrailPolicy"]["rules"]}
    assert modes["destructive_rm"] == "SHADOW" and modes["no-prod-kubectl"] == "ENFORCE"
    assert [(h["version"], h["change"]) for h in data["guardrailPolicyHistory"]] == [
        (3, "mode"),
        (2, "added"),
        (1, "created"),
    ]


def test_guardrails_rebuild_equals_incremental(client, guardrails, db):
    client.post(RULES, json=KUBECTL_PROD)
    follow(client)
    for i, command in enumerate(
        ["kubectl --context=prod x", "rm -rf /", "ls", "git push -f origin main"]
    ):
        client.post(HOOK, content=pre(command, tool_use_id=f"t{i}"))
    client.post("/v1/guardrails/quarantines", json={"id": "s-guard"})
    client.delete("/v1/guardrails/quarantines/session/s-guard")
    guardrails.catch_up()
    tables = (
        "guardrail_policies",
        "guardrail_rules",
        "guardrail_changes",
        "guardrail_decisions",
        "guardrail_interventions",
    )
    before = {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}
    assert len(before["guardrail_decisions"]) == 4
    guardrails.rebuild()
    assert {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables} == before
