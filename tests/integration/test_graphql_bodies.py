"""POST /graphql with a body that is not a GraphQL-over-HTTP request gets a 4xx problem
document with a stable reason (issue 10: random bytes and hook bodies got 500s and plain-text
400s), and a request that is well formed still gets GraphQL's own answer."""

from __future__ import annotations

import json

from tests.conftest import session_files

CASES = [
    (b"\xff\xfe\x00garbage", "application/json", 400, "invalid_utf8"),
    (b"not json", "application/json", 400, "invalid_json"),
    (b'"just a string"', "application/json", 400, "invalid_graphql_request"),
    (b"null", "application/json", 400, "invalid_graphql_request"),
    (b"[1, 2]", "application/json", 400, "invalid_graphql_request"),
    (session_files()[0].read_bytes(), "application/json", 400, "invalid_graphql_request"),
    (b'{"query": 5}', "application/json", 400, "invalid_graphql_request"),
    (b'{"query": "{ __typename }", "variables": [1]}', "application/json", 400,
     "invalid_graphql_request"),
    (b'{"query": "{ __typename }", "operationName": {}}', "application/json", 400,
     "invalid_graphql_request"),
    (b'{"query": "{ __typename }", "operationName": "Nope"}', "application/json", 400,
     "invalid_graphql_request"),
    (b'{"query": "{ __typename }", "query": "{ x }"}', "application/json", 400,
     "duplicate_keys"),
    (b'{"query": "{ __typename }", "variables": {"a": NaN}}', "application/json", 400,
     "non_finite_number"),
    (b'{"query": "{ __typename }", "variables": {"a": "\\ud800"}}', "application/json", 400,
     "invalid_unicode"),
    (b'{"query": "{ __typename }", "variables": ' + b'{"a":' * 100 + b"1" + b"}" * 101,
     "application/json", 400, "nesting_too_deep"),
    (json.dumps({"query": '{ session(id: "%s") { id } }' % ("a" * 1_000_000)}).encode(),
     "application/json", 400, "query_too_large"),
    (b'{"query": "{ __typename }"}', "text/plain", 415, "unsupported_media_type"),
    (b"\xff\xfe", None, 415, "unsupported_media_type"),
    (b"query=%ff", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
]  # fmt: skip


def test_bodies_that_are_not_graphql_requests_get_problem_documents(client, store):
    before = store.recorder.max_notification_id()
    for body, content_type, status, reason in CASES:
        headers = {"content-type": content_type} if content_type else {}
        response = client.post("/graphql", content=body, headers=headers)
        label = (body[:60], content_type)
        assert response.status_code == status, (label, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), label
        problem = response.json()
        assert (problem["status"], problem["reason"]) == (status, reason), (label, problem)
        assert problem["title"] and problem["detail"], problem
    assert store.recorder.max_notification_id() == before


def test_well_formed_requests_still_get_graphql_answers(client):
    ok = client.post("/graphql", json={"query": "{ timelinePosition }", "variables": None})
    assert ok.status_code == 200 and ok.json() == {"data": {"timelinePosition": 0}}
    syntax = client.post("/graphql", json={"query": "{ { {"})
    assert syntax.status_code == 200 and syntax.json()["errors"]
    got = client.get("/graphql", params={"query": "{ timelinePosition }", "variables": "{}"})
    assert got.status_code == 200, got.text
    bad = client.get("/graphql", params={"query": "{ timelinePosition }", "variables": "[NaN]"})
    assert bad.status_code == 400 and bad.json()["reason"] == "non_finite_number"


def test_a_fragment_bomb_is_refused_at_once_and_the_api_keeps_answering(client):
    levels = 40
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    document = f"query {{ ...F0 }} {chain} fragment F{levels} on Query {{ __typename }}"
    response = client.post("/graphql", json={"query": document})  # 2^40 fields if validated
    assert response.json()["errors"][0]["extensions"] == {"code": "DOCUMENT_TOO_LARGE"}
    assert client.get("/healthz").status_code == 200


def test_litestar_refusals_carry_a_reason_too(client):
    for response, status, reason in [
        (client.get("/nope"), 404, "not_found"),
        (client.put("/graphql"), 405, "method_not_allowed"),
        (client.get("/v1/auth/keys", params={"include_revoked": "maybe"}), 400,
         "invalid_parameters"),
    ]:  # fmt: skip
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["reason"] == reason, response.json()
