"""GraphQL paging, filters, read-your-writes and query limits."""

from __future__ import annotations

import json

from tests.unit.timeline_fixtures import hook_command

QUERY = """query($first: Int!, $after: String, $filter: SessionFilter) {
  sessions(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id status project } } pageInfo { hasNextPage endCursor } } }"""


def post(client, query: str, **variables):
    return client.post("/graphql", json={"query": query, "variables": variables}).json()


def seed(client, n: int) -> int:
    position = 0
    for i in range(n):
        body = {
            "session_id": f"page-{i:02d}",
            "hook_event_name": "SessionStart",
            "cwd": f"/src/p{i % 2}",
        }
        if i % 3 == 0:
            body["hook_event_name"] = "SessionEnd"
        response = client.post("/v1/hooks/claude-code", content=json.dumps(body))
        position = int(response.headers["observatory-position"])
    return position


def test_sessions_page_newest_first_with_cursors(client, timeline):
    seed(client, 7)
    timeline.catch_up()
    seen, after = [], None
    while True:
        page = post(client, QUERY, first=3, after=after)["data"]["sessions"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"page-{i:02d}" for i in reversed(range(7))]


def test_sessions_filter_by_status_and_project(client, timeline):
    seed(client, 7)
    timeline.catch_up()
    page = post(client, QUERY, first=50, filter={"status": "ENDED", "project": "p0"})["data"][
        "sessions"
    ]
    assert [e["node"]["id"] for e in page["edges"]] == ["page-06", "page-00"]


def test_min_position_waits_for_the_projection_and_says_when_it_is_not_there(client, timeline):
    position = seed(client, 1)
    answer = post(
        client,
        'query($p: Position) { session(id: "page-00", minPosition: $p) { id } }',
        p=position + 100,
    )
    assert answer["errors"][0]["extensions"]["code"] == "POSITION_NOT_REACHED"
    timeline.catch_up()
    answer = post(
        client, 'query($p: Position) { session(id: "page-00", minPosition: $p) { id } }', p=position
    )
    assert answer["data"]["session"]["id"] == "page-00"


def test_bad_cursors_and_page_sizes_are_client_errors(client):
    assert (
        post(client, QUERY, first=3, after="bm9wZQ==")["errors"][0]["extensions"]["code"]
        == "BAD_CURSOR"
    )
    assert post(client, QUERY, first=0)["errors"][0]["extensions"]["code"] == "BAD_PAGE"


EVENTS = """query($first: Int!, $after: String) { session(id: "nested") {
  events(first: $first, after: $after) { edges { cursor node { position hook } }
    pageInfo { hasNextPage hasPreviousPage endCursor } } } }"""


def test_a_sessions_events_page_and_refuse_bad_pages_as_the_top_level_does(client, timeline):
    for hook in ("SessionStart", "UserPromptSubmit", "Stop", "UserPromptSubmit", "SessionEnd"):
        body = {"session_id": "nested", "hook_event_name": hook, "prompt": "p"}
        assert client.post("/v1/hooks/claude-code", content=json.dumps(body)).status_code == 200
    timeline.catch_up()
    everything = post(client, EVENTS, first=200)["data"]["session"]["events"]["edges"]
    seen, after, pages = [], None, []
    while True:
        page = post(client, EVENTS, first=2, after=after)["data"]["session"]["events"]
        seen += [edge["node"]["position"] for edge in page["edges"]]
        pages.append(page["pageInfo"]["hasPreviousPage"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [edge["node"]["position"] for edge in everything] == sorted(seen)
    assert len(seen) >= 5 and pages == [False] + [True] * (len(pages) - 1)
    session_cursor = post(client, QUERY, first=1)["data"]["sessions"]["pageInfo"]["endCursor"]
    for first, cursor, code in ((2, "bm9wZQ==", "BAD_CURSOR"), (2, session_cursor, "BAD_CURSOR"),
                                (0, None, "BAD_PAGE"), (201, None, "BAD_PAGE")):  # fmt: skip
        (error,) = post(client, EVENTS, first=first, after=cursor)["errors"]
        assert error["extensions"]["code"] == code, error
    (top,) = post(client, QUERY, first=2, after="bm9wZQ==")["errors"]
    (nested,) = post(client, EVENTS, first=2, after="bm9wZQ==")["errors"]
    assert top["message"].replace("session", "event") == nested["message"]


def test_queries_nested_too_deeply_are_refused(client):
    deep = "{ sessions { edges { node { events { edges { node { payload } } } toolCalls { toolName } } } } }"
    assert "errors" not in post(client, deep)
    too_deep = (
        "{ a: sessions { edges { node { id } } } "
        + " ".join(f"x{i}: sessions {{ edges {{ node {{ id }} }} }}" for i in range(40))
        + " }"
    )
    assert post(client, too_deep)["errors"]


def test_an_unknown_session_is_null(client):
    assert post(client, '{ session(id: "nope") { id } }')["data"]["session"] is None


def test_hook_command_fixture_is_usable():
    assert (
        hook_command(json.dumps({"session_id": "s", "hook_event_name": "Stop"}), 0).facts.hook
        == "Stop"
    )


AMPLIFIED = "{ " + " ".join(
    f"a{i}: sessions(first: 200) {{ edges {{ node {{ events(first: 200) {{ edges {{ node "
    "{ payload } } } } } }"
    for i in range(30)
) + " }"  # fmt: skip
DASHBOARD = """query($first: Int!) {
  sessions(first: $first) { edges { cursor node { id status project model eventCount
    toolCallCount lastEventAt toolCalls { toolName status durationMs }
    events(first: 50) { edges { node { position hook payload } } } } }
    pageInfo { hasNextPage endCursor } }
  guardrailDecisions(first: 50) { edges { node { decision } } } }"""


def test_an_amplified_query_is_refused_before_anything_is_resolved(client, timeline):
    seed(client, 3)
    timeline.catch_up()
    answer = post(client, AMPLIFIED)
    assert answer.get("data") is None  # a validation error: no resolver ran
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["items"] == 30 * (200 + 200 * 200)
    assert "first" in error["message"]


def test_a_nested_first_over_200_is_refused(client, timeline):
    seed(client, 1)
    timeline.catch_up()
    nested = '{ session(id: "page-00") { events(first: $n) { edges { cursor } } } }'
    for n, code in ((201, "BAD_PAGE"), (2**31 - 1, "BAD_PAGE")):
        answer = post(client, "query($n: Int!) " + nested, n=n)
        assert answer["errors"][0]["extensions"]["code"] == code, answer
    ok = post(client, "query($n: Int!) " + nested, n=200)
    assert "errors" not in ok and ok["data"]["session"]["events"]["edges"]


def test_a_dashboard_query_passes(client, timeline):
    seed(client, 5)
    timeline.catch_up()
    answer = post(client, DASHBOARD, first=50)
    assert "errors" not in answer, answer
    assert len(answer["data"]["sessions"]["edges"]) == 5


def test_payloads_past_the_response_budget_are_refused_while_resolving(
    client, timeline, monkeypatch
):
    from read_api.graphql import budget

    for i in range(6):
        body = {"session_id": "big", "hook_event_name": "UserPromptSubmit",
                "prompt": f"{i} " + "lorem ipsum " * 10_000}  # fmt: skip
        assert client.post("/v1/hooks/claude-code", content=json.dumps(body)).status_code == 200
    timeline.catch_up()
    query = '{ session(id: "big") { events(first: 10) { edges { node { position payload } } } } }'
    assert "errors" not in post(client, query)
    monkeypatch.setattr(budget, "MAX_RESPONSE_BYTES", 300_000)  # about two and a half events
    answer = post(client, query)
    codes = {error["extensions"]["code"] for error in answer["errors"]}
    assert codes == {"RESPONSE_TOO_LARGE"}
    payloads = [edge["node"]["payload"] for edge in answer["data"]["session"]["events"]["edges"]]
    assert sum(p is not None for p in payloads) == 2
    assert "errors" not in post(client, query.replace("position payload", "position"))


def test_a_position_beyond_the_log_is_refused_at_once(client, timeline):
    """Issue 10: a minPosition no write ever answered with held the request for the whole
    timeout (5 s); it is refused at once, saying where the log ends (``recorded``: only the
    check made before any waiting says that; a wait that ran out would not)."""
    position = seed(client, 1)
    for wanted in (position + 1, 2**53 + 1):
        answer = post(
            client, 'query($p: Position) { session(id: "page-00", minPosition: $p) { id } }',
            p=wanted,
        )  # fmt: skip
        error = answer["errors"][0]
        assert error["extensions"]["code"] == "POSITION_NOT_REACHED"
        assert error["extensions"]["recorded"] == position, error
        assert "has not been recorded" in error["message"]
