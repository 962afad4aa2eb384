"""POST /v1/metrics: Claude Code's OTLP counters become events of their agent session, and the
activity read model sums what each data point adds — delta and cumulative exports alike.

Requests are built as exporters build them: the official protobuf classes for
``application/x-protobuf``, OTLP/JSON (the corpus file, written from Claude Code's monitoring
docs) for ``application/json``. The cumulative exports are made from the corpus's delta ones
the way an SDK with ``OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=cumulative`` reports
the same counters: one start time per series, running totals.
"""

from __future__ import annotations

import copy
import gzip
import json
from collections import defaultdict
from typing import Any

import pytest
from click.testing import CliRunner
from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)

from domain.audit.chain import verify_chain
from domain.sessions.aggregate import AgentSession
from domain.sessions.values import session_stream_id
from tests.conftest import CORPUS, S1
from workers.bootstrap.projections import PROJECTIONS
from workers.bootstrap.projectors import runner
from workers.cli import main

METRICS = "/v1/metrics"
PROTOBUF = {"content-type": "application/x-protobuf"}
JSON = {"content-type": "application/json"}
CORPUS_FILE = CORPUS / "otlp" / "claude_code_metrics.json"
DOCUMENT: dict[str, Any] = json.loads(CORPUS_FILE.read_text())
OPUS, HAIKU = "claude-opus-4-5-20251101", "claude-haiku-4-5-20251001"
QUERY = """query($by: ActivityGrouping!) {
  activity(since: "2026-08-01T00:00:00Z", until: "2026-09-01T00:00:00Z", by: $by) {
    key sessions linesAdded linesRemoved commits pullRequests editsAccepted editsRejected
    editAcceptRate activeUserSeconds activeCliSeconds costUsd inputTokens outputTokens
    cacheReadTokens cacheCreationTokens totalTokens
  }
}"""


def intervals(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The corpus export split into one export per interval (by the points' end time), as
    an exporter sends them, oldest first."""
    by_time: dict[str, dict[str, Any]] = {}
    for metric in document["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]:
        for point in metric["sum"]["dataPoints"]:
            export = by_time.setdefault(point["timeUnixNano"], _empty(document))
            scope = export["resourceMetrics"][0]["scopeMetrics"][0]
            same = [m for m in scope["metrics"] if m["name"] == metric["name"]]
            if not same:
                same = [{**metric, "sum": {**metric["sum"], "dataPoints": []}}]
                scope["metrics"].append(same[0])
            same[0]["sum"]["dataPoints"].append(copy.deepcopy(point))
    return [by_time[t] for t in sorted(by_time, key=int)]


def _empty(document: dict[str, Any]) -> dict[str, Any]:
    resource = document["resourceMetrics"][0]
    scope = resource["scopeMetrics"][0]["scope"]
    return {"resourceMetrics": [{"resource": resource["resource"],
                                 "scopeMetrics": [{"scope": scope, "metrics": []}]}]}  # fmt: skip


def cumulative(exports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same counters with cumulative temporality: each series keeps its first start time
    and reports its running total."""
    totals: dict[tuple[str, str], float] = defaultdict(float)
    starts: dict[tuple[str, str], str] = {}
    out = copy.deepcopy(exports)
    for export in out:
        for metric in export["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]:
            metric["sum"]["aggregationTemporality"] = 2
            for point in metric["sum"]["dataPoints"]:
                series = (metric["name"], json.dumps(point["attributes"], sort_keys=True))
                starts.setdefault(series, point["startTimeUnixNano"])
                point["startTimeUnixNano"] = starts[series]
                if "asInt" in point:
                    totals[series] += int(point["asInt"])
                    point["asInt"] = str(int(totals[series]))
                else:
                    totals[series] += point["asDouble"]
                    point["asDouble"] = totals[series]
    return out


def protobuf(document: dict[str, Any]) -> bytes:
    return json_format.ParseDict(document, ExportMetricsServiceRequest()).SerializeToString()


def session_events(store: Any) -> list[Any]:
    return list(store.events.get(session_stream_id("default", S1["id"])))


@pytest.fixture
def activity(settings, pg_url, store):
    projector, conn = runner(PROJECTIONS["activity"], settings.replace(projector_batch=4),
                             pg_url, store, parked=False)  # fmt: skip
    with conn:
        yield projector


def query(client: Any, by: str) -> list[dict[str, Any]]:
    response = client.post("/graphql", json={"query": QUERY, "variables": {"by": by}})
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.json()
    return list(response.json()["data"]["activity"])


def test_a_protobuf_export_records_each_data_point_in_its_session(client, store):
    response = client.post(METRICS, content=protobuf(DOCUMENT), headers=PROTOBUF)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-protobuf"
    assert not ExportMetricsServiceResponse.FromString(response.content).HasField("partial_success")
    opened, *events = session_events(store)
    assert isinstance(opened, AgentSession.Opened)
    assert all(isinstance(e, AgentSession.MetricRecorded) for e in events)
    assert len(events) == 27
    tokens = next(e for e in events if e.event_name == "claude_code.token.usage")
    assert (tokens.type, tokens.model, tokens.increment, tokens.unit) == ("input", OPUS, 1204,
                                                                         "tokens")  # fmt: skip
    assert (tokens.user_id, tokens.team, tokens.cumulative) == (
        "5d9e3a17-8c24-4b6f-b0e1-c7a2f9d84e36", "platform", False,
    )  # fmt: skip
    edit = next(e for e in events if e.event_name == "claude_code.code_edit_tool.decision")
    assert (edit.tool, edit.decision, edit.language, edit.decision_source) == (
        "Edit", "accept", "TypeScript", "config",
    )  # fmt: skip
    kept = json.loads(edit.payload_json)
    assert kept["resource"]["cost_center"] == "eng-123"
    assert kept["attributes"]["user.email"] == "[REDACTED:email]"
    assert "email" in edit.redacted and edit.sealed is not None
    assert verify_chain([opened, *events]).intact
    assert int(response.headers["observatory-position"]) == store.recorder.max_notification_id()


def test_a_json_export_is_answered_in_json_and_gzip_is_inflated(client, store):
    body = gzip.compress(CORPUS_FILE.read_bytes())
    response = client.post(METRICS, content=body, headers={**JSON, "content-encoding": "gzip"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {}
    assert len(session_events(store)) == 1 + 27


@pytest.mark.parametrize("temporality", ["delta", "cumulative"])
def test_an_export_sent_again_adds_nothing(client, store, temporality):
    exports = intervals(DOCUMENT)
    if temporality == "cumulative":
        exports = cumulative(exports)
    for export in (exports[0], exports[0], exports[1], exports[0], exports[1]):
        assert client.post(METRICS, content=protobuf(export), headers=PROTOBUF).status_code == 200
    added = sum(e.increment for e in session_events(store)[1:]
                if e.event_name == "claude_code.lines_of_code.count")  # fmt: skip
    assert added == 42 + 7 + 18 + 3


def test_points_that_cannot_be_counted_are_rejected_alone_with_a_partial_success(client, store):
    document = copy.deepcopy(DOCUMENT)
    metrics = document["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
    first = metrics[0]["sum"]["dataPoints"][0]
    first["attributes"] = [a for a in first["attributes"] if a["key"] != "session.id"]
    metrics[1]["sum"]["dataPoints"][0]["asDouble"] = "NaN"
    del metrics[1]["sum"]["dataPoints"][0]["asInt"]
    metrics.append({"name": "latency", "summary": {"dataPoints": [{"count": "3"}]}})
    metrics.append(
        {
            "name": "queue",
            "sum": {
                "dataPoints": [
                    {"asInt": "1", "timeUnixNano": "1", "attributes": first["attributes"]}
                ]
            },
        }
    )
    metrics.append({"name": "claude_code.open_files", "unit": "1", "gauge": {"dataPoints": [
        {"asInt": "4", "timeUnixNano": "1787044380000000000",
         "attributes": [{"key": "session.id", "value": {"stringValue": S1["id"]}}]}]}})  # fmt: skip
    response = client.post(METRICS, content=json.dumps(document).encode(), headers=JSON)
    assert response.status_code == 200, response.text
    partial = response.json()["partialSuccess"]
    assert partial["rejectedDataPoints"] == "4"
    assert "session.id: required" in partial["errorMessage"]
    events = session_events(store)
    assert len(events) == 1 + 27 - 2 + 1
    gauge = events[-1]
    assert (gauge.kind, gauge.value, gauge.increment) == ("gauge", 4.0, None)


def test_an_export_with_nothing_to_record_records_nothing(client, store):
    export = ExportMetricsServiceRequest()
    metric = export.resource_metrics.add().scope_metrics.add().metrics.add(name="m")
    metric.sum.data_points.add(as_int=1, time_unix_nano=5)
    response = client.post(METRICS, content=export.SerializeToString(), headers=PROTOBUF)
    assert response.status_code == 200, response.text
    partial = ExportMetricsServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_data_points == 1
    assert "temporality unspecified" in partial.error_message
    assert not store.recorder.max_notification_id()


@pytest.mark.parametrize(
    ("body", "headers", "status", "reason"),
    [
        (b"\x0a\xff\xff\xff\xff\x0f", PROTOBUF, 400, "invalid_otlp"),
        (b'{"resourceMetrics": 3}', JSON, 400, "invalid_otlp"),
        (b'{"resourceMetrics": [], "resourceMetrics": []}', JSON, 400, "duplicate_keys"),
        (gzip.compress(b"{}")[:-6], {**JSON, "content-encoding": "gzip"}, 400, "invalid_gzip"),
        (b"{}", {"content-type": "text/plain"}, 415, "unsupported_media_type"),
        (b"\x00" * (3 * 1024 * 1024), PROTOBUF, 413, "too_large"),
    ],
    ids=["protobuf", "json-shape", "duplicate-keys", "truncated-gzip", "text", "too-large"],
)  # fmt: skip
def test_bad_exports_are_problems_and_record_nothing(client, store, body, headers, status, reason):
    response = client.post(METRICS, content=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["reason"] == reason
    assert not store.recorder.max_notification_id()


def _activity_after(client: Any, activity: Any, exports: list[bytes], headers: dict[str, str]
                    ) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
    for body in exports:
        assert client.post(METRICS, content=body, headers=headers).status_code == 200
    activity.catch_up()
    return {by: query(client, by) for by in ("SESSION", "MODEL", "MINUTE", "TEAM")}


def in_session(exports: list[dict[str, Any]], session_id: str) -> list[dict[str, Any]]:
    text = json.dumps(exports).replace(S1["id"], session_id)
    return list(json.loads(text))


def test_delta_and_cumulative_exports_give_the_same_activity(client, activity):
    """The same counters, exported delta over protobuf by one session and cumulative over
    JSON by another, sum to the same activity."""
    exports = intervals(DOCUMENT)
    for body in [protobuf(e) for e in exports]:
        assert client.post(METRICS, content=body, headers=PROTOBUF).status_code == 200
    for export in in_session(cumulative(exports), "cumulative-session"):
        body = json.dumps(export).encode()
        assert client.post(METRICS, content=body, headers=JSON).status_code == 200
    activity.catch_up()
    by_session = {row.pop("key"): row for row in query(client, "SESSION")}
    assert set(by_session) == {S1["id"], "cumulative-session"}
    session = by_session[S1["id"]]
    assert by_session["cumulative-session"] == session
    assert (session["sessions"], session["commits"], session["pullRequests"]) == (1, 1, 1)
    assert (session["linesAdded"], session["linesRemoved"]) == (60, 10)
    assert (session["editsAccepted"], session["editsRejected"]) == (3, 1)
    assert session["editAcceptRate"] == pytest.approx(0.75)
    assert (session["activeUserSeconds"], session["activeCliSeconds"]) == (55.5, 176.75)
    assert session["costUsd"] == pytest.approx(0.0842715 + 0.0016 + 0.1204)
    assert (session["inputTokens"], session["cacheReadTokens"]) == (1204 + 2210 + 950,
                                                                    18240 + 21550)  # fmt: skip
    by_model = {row["key"]: row for row in query(client, "MODEL")}
    assert list(by_model) == [OPUS, HAIKU, ""]  # most lines changed, then costliest
    assert by_model[HAIKU]["totalTokens"] == 2 * (950 + 120)
    assert [row["key"] for row in query(client, "MINUTE")] == [
        "2026-08-18T09:13:00+00:00", "2026-08-18T09:14:00+00:00",
    ]  # fmt: skip


def test_rebuild_equals_the_incremental_view(client, activity, db):
    for export in intervals(DOCUMENT):
        assert client.post(METRICS, content=protobuf(export), headers=PROTOBUF).status_code == 200
        activity.catch_up()
    rows = "SELECT * FROM activity_minute ORDER BY bucket, model, user_id"
    incremental = db.execute(rows).fetchall()
    assert incremental
    activity.reset()
    assert db.execute(rows).fetchall() == []
    activity.catch_up()
    assert db.execute(rows).fetchall() == incremental


def test_the_activity_command_prints_a_table(live_server, settings, pg_url, store):
    import httpx

    response = httpx.post(f"{live_server.base_url}{METRICS}", content=CORPUS_FILE.read_bytes(),
                          headers=JSON)  # fmt: skip
    assert response.status_code == 200, response.text
    projector, conn = runner(PROJECTIONS["activity"], settings, pg_url, store, parked=False)
    with conn:
        projector.catch_up()
    args = ["activity", "--url", live_server.base_url, "--since", "2026-08-18T00:00:00Z",
            "--until", "2026-08-19T00:00:00Z"]  # fmt: skip
    result = CliRunner().invoke(main, args, env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    assert S1["id"][:8] in result.output and "75%" in result.output
    assert "0.2063" in result.output
    as_json = CliRunner().invoke(main, [*args, "--by", "team", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output)[0]["linesAdded"] == 60
