"""The usage read model on PostgreSQL: Claude Code's api_request / api_error events (OTLP logs)
summed per minute, session, user, team and model; the GraphQL ``usage`` query and the
``observatory usage`` command over it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import CORPUS, S1
from workers.bootstrap.projections import PROJECTIONS
from workers.bootstrap.projectors import runner
from workers.cli import main

EXPORT = (CORPUS / "otlp" / "claude_code_logs.json").read_bytes()
JSON = {"content-type": "application/json"}
OPUS, HAIKU = "claude-opus-4-5-20251101", "claude-haiku-4-5-20251001"
USER = "5d9e3a17-8c24-4b6f-b0e1-c7a2f9d84e36"
QUERY = """query($by: UsageGrouping!, $session: String) {
  usage(since: "2026-08-01T00:00:00Z", until: "2026-09-01T00:00:00Z", by: $by,
        sessionId: $session) {
    key calls errors inputTokens outputTokens cacheReadTokens cacheCreationTokens totalTokens
    costUsd durationMeanMs
  }
}"""


@pytest.fixture
def usage(settings, pg_url, store):
    projector, conn = runner(PROJECTIONS["usage"], settings.replace(projector_batch=3), pg_url,
                             store, parked=False)  # fmt: skip
    with conn:
        yield projector


def query(client: Any, by: str, session: str | None = None) -> list[dict[str, Any]]:
    response = client.post("/graphql", json={"query": QUERY,
                                             "variables": {"by": by, "session": session}})  # fmt: skip
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.json()
    return list(response.json()["data"]["usage"])


def test_tokens_and_cost_per_model_session_user_team_and_day(client, usage, db):
    assert client.post("/v1/logs", content=EXPORT, headers=JSON).status_code == 200
    usage.catch_up()
    by_model = {row["key"]: row for row in query(client, "MODEL")}
    assert list(by_model) == [OPUS, HAIKU]  # costliest first
    opus = by_model[OPUS]
    assert (opus["calls"], opus["errors"]) == (3, 1)
    assert (opus["inputTokens"], opus["outputTokens"]) == (1204 + 2210, 612 + 1480)
    assert (opus["cacheReadTokens"], opus["cacheCreationTokens"]) == (18240 + 21550, 3310 + 1120)
    assert opus["costUsd"] == pytest.approx(0.0842715 + 0.1204)
    assert opus["durationMeanMs"] == pytest.approx((4391 + 6000 + 10877) / 3)
    assert by_model[HAIKU]["totalTokens"] == 950 + 120
    total_cost = 0.0842715 + 0.0016 + 0.1204
    for by, key in (("SESSION", S1["id"]), ("USER", USER), ("TEAM", "platform"),
                    ("DAY", "2026-08-18T00:00:00+00:00")):  # fmt: skip
        (row,) = query(client, by)
        assert row["key"] == key
        assert (row["calls"], row["costUsd"]) == (4, pytest.approx(total_cost))
    minutes = [row["key"] for row in query(client, "MINUTE")]
    assert minutes == ["2026-08-18T09:12:00+00:00", "2026-08-18T09:13:00+00:00"]
    assert query(client, "MODEL", session="another-session") == []
    stored = db.execute("SELECT sum(calls), sum(input_tokens) FROM usage_minute").fetchone()
    assert stored == (4, 4364)


def test_rebuild_equals_the_incremental_view(client, usage, db):
    for _ in range(3):
        assert client.post("/v1/logs", content=EXPORT, headers=JSON).status_code == 200
        usage.catch_up()
    rows = "SELECT * FROM usage_minute ORDER BY bucket, model"
    incremental = db.execute(rows).fetchall()
    assert incremental[0][6] == 3  # calls in the first minute's row: one per export
    usage.reset()
    assert db.execute(rows).fetchall() == []
    usage.catch_up()
    assert db.execute(rows).fetchall() == incremental


def test_the_usage_command_prints_a_table(live_server, settings, pg_url, store):
    import httpx

    response = httpx.post(f"{live_server.base_url}/v1/logs", content=EXPORT, headers=JSON)
    assert response.status_code == 200, response.text
    projector, conn = runner(PROJECTIONS["usage"], settings, pg_url, store, parked=False)
    with conn:
        projector.catch_up()
    args = ["usage", "--url", live_server.base_url, "--since", "2026-08-18T00:00:00Z",
            "--until", "2026-08-19T00:00:00Z"]  # fmt: skip
    result = CliRunner().invoke(main, [*args, "--by", "model"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert OPUS in result.output and "0.2047" in result.output and "0.2063" in result.output
    as_json = CliRunner().invoke(main, [*args, "--by", "team", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output)[0]["key"] == "platform"
