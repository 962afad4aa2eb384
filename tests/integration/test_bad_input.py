"""Bad input gets a clear 4xx, is kept in quarantine, and changes no session."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.database import connect
from tests.conftest import SESSION_DIR, malformed_files, session_files

HOOK = "/v1/hooks/claude-code"


def stored(store) -> int:
    return store.recorder.max_notification_id() or 0


def quarantined(db) -> list[tuple[str, str]]:
    return db.execute("SELECT endpoint, reason FROM ingest_quarantine ORDER BY id").fetchall()


@pytest.mark.parametrize("path", malformed_files(), ids=lambda p: p.name)
def test_each_malformed_corpus_body_is_refused_and_quarantined(client, store, db, path):
    response = client.post(
        HOOK, content=path.read_bytes(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert (
        problem["status"] == 400
        and problem["reason"]
        and "nothing was recorded" in problem["detail"]
    )
    assert stored(store) == 0
    assert quarantined(db) == [(HOOK, problem["reason"])]


def test_a_body_over_the_limit_gets_413_and_nothing_is_read_into_a_session(client, store, db):
    body = (
        b'{"session_id": "s", "hook_event_name": "Stop", "x": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    )
    response = client.post(HOOK, content=body)
    assert response.status_code == 413
    assert response.json()["reason"] == "too_large"
    assert stored(store) == 0
    assert quarantined(db) == [(HOOK, "too_large")]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"session_id": "s", "hook_event_name": "Stop", "n": NaN}', "non_finite_number"),
        (b'{"session_id": "s", "hook_event_name": "Stop", "t": "\xc3\x28"}', "invalid_utf8"),
        (b'{"session_id": "s", "hook_event_name": "Stop", "t": "\\udc80"}', "invalid_unicode"),
        (
            b'{"session_id": "s", "hook_event_name": "Stop", "x": '
            + b"[" * 5000
            + b"]" * 5000
            + b"}",
            "nesting_too_deep",
        ),
        (b'{"session_id": "../../etc/passwd", "hook_event_name": "Stop"}', "invalid_hook"),
        (b'{"session_id": "s", "hook_event_name": "Stop", "session_id": "t"}', "duplicate_keys"),
    ],
)
def test_hostile_bodies_are_refused_for_a_stated_reason(client, store, body, reason):
    response = client.post(HOOK, content=body)
    assert response.status_code == 400
    assert response.json()["reason"] == reason
    assert stored(store) == 0


def test_an_unusable_idempotency_key_is_refused(client, store):
    response = client.post(
        HOOK, content=session_files()[0].read_bytes(), headers={"Idempotency-Key": "x" * 300}
    )
    assert response.status_code == 400
    assert response.json()["reason"] == "invalid_idempotency_key"
    assert stored(store) == 0


def test_unknown_routes_and_methods_answer_problem_details(client):
    assert client.get(HOOK).status_code == 405
    missing = client.get("/nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


hook_like = st.fixed_dictionaries(
    {
        "session_id": st.one_of(st.text(max_size=20), st.integers(), st.none()),
        "hook_event_name": st.one_of(
            st.sampled_from(["PreToolUse", "Stop", "X"]), st.text(max_size=10)
        ),
    },
    optional={
        "tool_input": st.one_of(
            st.dictionaries(st.text(max_size=5), st.text(max_size=5)), st.text()
        ),
        "duration_ms": st.one_of(st.floats(allow_nan=False), st.text(max_size=5)),
        "agent_id": st.one_of(st.text(max_size=10), st.integers()),
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.one_of(st.binary(max_size=200), hook_like.map(lambda d: json.dumps(d).encode())))
def test_fuzzed_bodies_never_get_a_5xx(client, body):
    response = client.post(HOOK, content=body)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["reason"]


NUMBER_FIELDS = ["duration_ms", "tool_use_id", "cwd", "agent_id", "session_id", "model",
                 "agent_type", "tool_input", "tool_response"]  # fmt: skip
NUMBER_LITERALS = [
    b"0", b"-0", b"-0.0", b"-1", b"1.5", b"5e-324", b"1e308", b"-1e308", b"1e-400",
    b"1e-99999", b"0." + b"0" * 20_000 + b"1", b"2147483648", b"9007199254740993",
    b"9223372036854775808", b"18446744073709551616", b"1" + b"0" * 400, b"1" + b"0" * 4_000,
    b"true", b"false", b'"123"', b'"1e3"', b'"NaN"',
]  # fmt: skip


def test_unusual_numbers_in_hook_fields_are_refused_or_recorded_and_projected(
    client, store, db, pg_url, schema, timeline
):
    """Issue 10: huge integers, -0, 1e308, bools and numbers as text in fields we read gave
    500s. Each is a 400 problem or recorded; what is recorded every projection can store."""
    from projections.agent_metrics.postgres import PostgresAgentMetricsView
    from projections.agent_metrics.projection import AgentMetricsProjection
    from workers.projector import ProjectorRunner

    base = json.loads((SESSION_DIR / "021_PostToolUse_Bash.json").read_bytes())
    answers: dict[int, int] = {}
    for field in NUMBER_FIELDS:
        for literal in NUMBER_LITERALS:
            hook = dict(base, **{field: "\x00slot"})
            body = json.dumps(hook).encode().replace(b'"\\u0000slot"', literal)
            response = client.post(HOOK, content=body)
            assert response.status_code in (200, 400), (field, literal[:40], response.text)
            if response.status_code == 400:
                assert response.json()["reason"], response.text
            answers[response.status_code] = answers.get(response.status_code, 0) + 1
    assert answers[200] and answers[400]  # both kinds were exercised
    timeline.catch_up()  # raises if the view cannot store what was recorded
    with connect(pg_url, schema, autocommit=True) as conn:
        ProjectorRunner("agent_metrics", store, AgentMetricsProjection(),
                        PostgresAgentMetricsView(conn)).catch_up()  # fmt: skip
    durations = db.execute("SELECT duration_ms FROM timeline_tool_calls").fetchall()
    assert all(d is None or 0 <= d <= 10**12 for (d,) in durations)
