"""Operations surface: health, readiness, metrics, GraphiQL, and the projections CLI."""

from __future__ import annotations

from importlib.metadata import version

from click.testing import CliRunner

from tests.conftest import session_files
from workers.cli import main


def test_health_readiness_and_graphiql(client):
    assert client.get("/healthz").json() == {"status": "ok", "version": version("observatory")}
    assert client.get("/readyz").json() == {"status": "ready"}
    page = client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    info = client.get("/schema/openapi.json").json()["info"]
    assert (info["title"], info["version"]) == ("Observatory", version("observatory"))


def test_the_cli_reports_the_installed_version():
    shown = CliRunner().invoke(main, ["--version"])
    assert shown.exit_code == 0
    assert shown.output == f"observatory, version {version('observatory')}\n"


def test_metrics_report_ingest_rate_batches_and_commit_latency(client):
    for path in session_files()[:3]:
        client.post("/v1/hooks/claude-code", content=path.read_bytes())
    client.post("/v1/hooks/claude-code", content=b"{broken")
    text = client.get("/metrics").text
    assert 'observatory_ingested_events_total{source="claude-code"}' in text
    assert "observatory_ingest_batch_size_bucket" in text
    assert "observatory_ingest_commit_seconds_bucket" in text
    assert 'observatory_ingest_rejected_total{reason="invalid_json"}' in text


def test_projections_status_and_rebuild_from_the_cli(client, pg_url, schema, db):
    for path in session_files():
        client.post("/v1/hooks/claude-code", content=path.read_bytes())
    env = {"OBSERVATORY_DATABASE_URL": pg_url, "OBSERVATORY_DATABASE_SCHEMA": schema}
    runner = CliRunner()
    rebuilt = runner.invoke(main, ["projections", "rebuild", "session_timeline", "--yes"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Rebuilt session_timeline: 66 events" in rebuilt.output  # 48 hooks, Opened, 17 rulings
    assert db.execute("SELECT event_count FROM timeline_sessions").fetchone() == (48,)
    status = runner.invoke(main, ["projections", "status"], env=env)
    assert status.exit_code == 0, status.output
    assert "session_timeline" in status.output
    assert "66" in status.output


def test_rebuild_names_the_known_projections_when_asked_for_another(pg_url, schema):
    env = {"OBSERVATORY_DATABASE_URL": pg_url, "OBSERVATORY_DATABASE_SCHEMA": schema}
    result = CliRunner().invoke(main, ["projections", "rebuild", "nope", "--yes"], env=env)
    assert result.exit_code != 0
    assert "known: session_timeline" in result.output
