"""Who may do what: tokens, API keys, roles and tenants, over real HTTP on a real database.

Promises: no credential → 401; a credential we cannot accept (expired, wrong audience or
issuer, foreign signature, unknown or revoked key) → 401; a role without the permission → 403;
another tenant's data does not exist for you (not found, never 403).
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from joserfc.jwk import OKPKey
from litestar.testing import TestClient

from infra.access.principal import Role
from infra.access.tokens import TokenSigner, signer_for
from tests.conftest import SESSION_DIR
from tests.live import follow
from workers.bootstrap.api import api_app

PROMPT = (SESSION_DIR / "003_UserPromptSubmit.json").read_bytes()
HOOK = "/v1/hooks/claude-code"
SESSION = json.loads(PROMPT)["session_id"]
QUERY = {"query": "query($id: String!) { session(id: $id) { id eventCount } }",
         "variables": {"id": SESSION}}  # fmt: skip


@pytest.fixture
def secure(secure_settings, pg_url):
    with TestClient(api_app(secure_settings, pg_url), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def signer(secure_settings) -> TokenSigner:
    return signer_for(secure_settings)


def bearer(credential: str) -> dict[str, str]:
    return {"authorization": f"Bearer {credential}"}


def token(signer: TokenSigner, *roles: Role, tenant: str = "default", **kw: Any) -> str:
    return signer.issue("alice", tenant, list(roles), timedelta(minutes=5), **kw)


def issue_key(client: TestClient[Any], admin: str, role: str = "agent") -> dict[str, Any]:
    response = client.post("/v1/auth/keys", json={"name": "ci", "role": role},
                           headers=bearer(admin))  # fmt: skip
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_no_credential_is_401_on_every_route_but_health(secure):
    public = {"/healthz", "/readyz", "/metrics", "/schema"}
    dashboard = {"/", "/{path:path}", "/assets/{file_path:path}"}  # no data: test_dashboard_serving
    checked = 0
    for route in secure.app.routes:
        if (
            route.path in dashboard
            or any(route.path.startswith(p) for p in public)
            or "websocket" in type(route).__name__.lower()
        ):
            continue
        path = route.path.replace("{rule_id:str}", "r").replace("{kind:str}", "session")
        path = path.replace("{target_id:str}", "t").replace("{key_id:str}", "k")
        path = path.replace("{session_id:str}", "s")
        for method in sorted(route.methods - {"OPTIONS", "HEAD"}):
            response = secure.request(method, path, content=b"{}")
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["www-authenticate"].startswith('Bearer realm="observatory"')
            assert response.json()["reason"] == "unauthenticated"
            checked += 1
    assert checked >= 12
    assert secure.get("/healthz").status_code == 200


def test_roles(secure, signer, timeline):
    agent = issue_key(secure, token(signer, Role.ADMIN))["key"]
    viewer = token(signer, Role.VIEWER)
    operator = token(signer, Role.OPERATOR)
    rule = {"id": "r1", "tools": ["Bash"], "decision": "deny",
            "when": {"command": {"program": "terraform"}}}  # fmt: skip

    assert secure.post(HOOK, content=PROMPT, headers=bearer(agent)).status_code == 200
    assert secure.post(HOOK, content=PROMPT, headers=bearer(viewer)).status_code == 403
    assert secure.post("/graphql", json=QUERY, headers=bearer(agent)).status_code == 403
    timeline.catch_up()
    answer = secure.post("/graphql", json=QUERY, headers=bearer(viewer))
    assert answer.json()["data"]["session"]["id"] == SESSION
    refused = secure.post("/v1/guardrails/rules", json=rule, headers=bearer(viewer))
    assert refused.status_code == 403
    assert refused.json()["reason"] == "forbidden"
    assert "operate" in refused.json()["detail"]
    assert (
        secure.post("/v1/guardrails/rules", json=rule, headers=bearer(operator)).status_code == 202
    )
    assert secure.get("/v1/auth/keys", headers=bearer(operator)).status_code == 403
    assert secure.post(f"/v1/privacy/sessions/{SESSION}/erase",
                       headers=bearer(operator)).status_code == 403  # fmt: skip


def test_another_tenants_session_does_not_exist(secure, signer, timeline):
    admin = token(signer, Role.ADMIN)
    key = issue_key(secure, admin)["key"]
    assert secure.post(HOOK, content=PROMPT, headers=bearer(key)).status_code == 200
    timeline.catch_up()
    other = token(signer, Role.VIEWER, Role.AUDITOR, tenant="other")
    answer = secure.post("/graphql", json=QUERY, headers=bearer(other)).json()
    assert answer == {"data": {"session": None}}
    listing = secure.post("/graphql", json={"query": "{ sessions { edges { node { id } } } }"},
                          headers=bearer(other)).json()  # fmt: skip
    assert listing["data"]["sessions"]["edges"] == []
    mine = secure.post("/graphql", json=QUERY, headers=bearer(token(signer, Role.VIEWER))).json()
    assert mine["data"]["session"]["id"] == SESSION
    other_admin = token(signer, Role.ADMIN, tenant="other")
    erase = secure.post(f"/v1/privacy/sessions/{SESSION}/erase", headers=bearer(other_admin))
    assert erase.status_code == 404


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda s: token(s, Role.ADMIN, now=time.time() - 3600), id="expired"),
        pytest.param(lambda s: TokenSigner(s._key, s.issuer, "someone-else").issue(
            "alice", "default", [Role.ADMIN], timedelta(minutes=5)), id="wrong-audience"),
        pytest.param(lambda s: TokenSigner(s._key, "evil", s.audience).issue(
            "alice", "default", [Role.ADMIN], timedelta(minutes=5)), id="wrong-issuer"),
        pytest.param(lambda s: TokenSigner(
            OKPKey.generate_key("Ed25519", parameters={"kid": s._key.kid}), s.issuer, s.audience
        ).issue("alice", "default", [Role.ADMIN], timedelta(minutes=5)), id="foreign-key"),
        pytest.param(lambda s: "not.a.jwt", id="garbage"),
        pytest.param(lambda s: "obs_0123456789abcdef_" + "x" * 43, id="unknown-key"),
    ],
)  # fmt: skip
def test_credentials_we_cannot_accept_are_401(secure, signer, make):
    response = secure.post("/graphql", json=QUERY, headers=bearer(make(signer)))
    assert response.status_code == 401, response.text
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_clock_skew_within_the_leeway_is_accepted(secure, signer):
    barely = signer.issue("alice", "default", [Role.VIEWER], timedelta(seconds=10),
                          now=time.time() - 30)  # expired 20 s ago; leeway is 60 s  # fmt: skip
    assert secure.post("/graphql", json=QUERY, headers=bearer(barely)).status_code == 200


def test_revoked_and_rotated_keys(secure, signer):
    admin = token(signer, Role.ADMIN)
    issued = issue_key(secure, admin)
    key = issued["key"]
    assert secure.post(HOOK, content=PROMPT, headers=bearer(key)).status_code == 200
    # A tampered secret with the right id is refused.
    assert secure.post(HOOK, content=PROMPT, headers=bearer(key[:-2] + "zz")).status_code == 401

    rotated = secure.post(f"/v1/auth/keys/{issued['key_id']}/rotate", headers=bearer(admin))
    assert rotated.status_code == 201
    follow_keys(secure)
    refused = secure.post(HOOK, content=PROMPT, headers=bearer(key))
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    new = rotated.json()["key"]
    assert secure.post(HOOK, content=PROMPT, headers={"x-api-key": new}).status_code == 200

    revoked = secure.delete(f"/v1/auth/keys/{rotated.json()['key_id']}", headers=bearer(admin))
    assert revoked.status_code == 202
    follow_keys(secure)
    assert secure.post(HOOK, content=PROMPT, headers=bearer(new)).status_code == 401
    listing = secure.get("/v1/auth/keys?include_revoked=true", headers=bearer(admin)).json()
    assert {k["key_id"]: k["revoked"] for k in listing["keys"]} == {
        issued["key_id"]: True, rotated.json()["key_id"]: True,
    }  # fmt: skip
    assert "key" not in listing["keys"][0]  # secrets are never listed


def test_actions_are_recorded_as_the_caller(secure, signer, store):
    operator = signer.issue("bob@example.org", "default", [Role.OPERATOR], timedelta(minutes=5))
    rule = {"id": "r2", "tools": ["Bash"], "decision": "ask",
            "when": {"command": {"program": "make"}}}  # fmt: skip
    answer = secure.post("/v1/guardrails/rules", json=rule,
                         headers={**bearer(operator), "observatory-actor": "mallory"})  # fmt: skip
    assert answer.status_code == 202
    follow(secure)
    event = next(
        iter(store.recorder.select_notifications(start=answer.json()["position"], limit=1))
    )
    assert store.mapper.to_domain_event(event).by == "bob@example.org"


def test_whoami(secure, signer):
    answer = secure.get("/v1/auth/whoami", headers=bearer(token(signer, Role.AUDITOR))).json()
    assert answer["roles"] == ["auditor"]
    assert answer["permissions"] == ["audit", "read", "unseal"]


def test_the_graphiql_page_loads_without_credentials_but_queries_do_not(secure):
    page = secure.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert secure.get("/graphql?query={timelinePosition}",
                      headers={"accept": "text/html"}).status_code == 401  # fmt: skip


def follow_keys(client: TestClient[Any]) -> int:
    """Brings the app's key book up to date (as its follower thread would, on notification)."""
    return int(client.app.state.key_follower.catch_up())


@pytest.mark.parametrize("word", ["metrics", "healthz", "schema", "readyz"])
def test_a_rule_named_like_a_public_path_is_guarded_and_can_be_managed(secure, signer, word):
    rule_id = f"{word}-x"
    rule = {"id": rule_id, "tools": ["Bash"], "decision": "deny",
            "when": {"command": {"program": "terraform"}}}  # fmt: skip
    operator = bearer(token(signer, Role.OPERATOR))
    path = f"/v1/guardrails/rules/{rule_id}"

    assert secure.delete(path).status_code == 401
    assert secure.put(path, json=rule).status_code == 401
    assert secure.post("/v1/guardrails/rules", json=rule, headers=operator).status_code == 202
    changed = secure.put(path, json={**rule, "decision": "ask"}, headers=operator)
    assert changed.status_code == 202, changed.text
    mode = secure.put(f"{path}/mode", json={"mode": "shadow"}, headers=operator)
    assert mode.status_code == 202, mode.text
    assert secure.delete(path, headers=operator).status_code == 202


def test_the_public_paths_and_the_openapi_documents_need_no_credential(secure):
    for path in ("/healthz", "/readyz", "/metrics", "/schema", "/schema/openapi.json",
                 "/schema/openapi.yaml", "/schema/swagger"):  # fmt: skip
        assert secure.get(path).status_code == 200, path


def test_http_metrics_count_routes_whose_ids_look_like_excluded_paths(secure):
    def count() -> float:
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in secure.get("/metrics").text.splitlines()
            if line.startswith("observatory_http_requests_total{")
            and 'path="/v1/guardrails/rules/{rule_id}"' in line
            and 'method="DELETE"' in line
        )

    before = count()
    assert secure.delete("/v1/guardrails/rules/healthz-events").status_code == 401
    assert count() == before + 1
