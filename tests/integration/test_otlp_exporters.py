"""The OpenTelemetry Python SDK's own OTLP log exporters against a running server: OTLP/gRPC
(port ``otlp_grpc_port``) and OTLP/HTTP protobuf send Claude Code's log events, authenticated
with an agent key as ``OTEL_EXPORTER_OTLP_HEADERS`` sends it. The SDK has no OTLP/JSON
exporter: JSON is the SDK's own export request written with protobuf's JSON mapping (hex ids)
and posted. An export is acknowledged only once committed, so the records are read back from
the event store as soon as the exporter returns.

Refusals over gRPC are checked on a plain grpcio channel (the exporter only says FAILURE):
UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT (quarantined), RESOURCE_EXHAUSTED, and
UNAVAILABLE with RetryInfo while the writer is overloaded (its queue bounded to one and the
event table locked in PostgreSQL), which HTTP answers 503 with Retry-After.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http import Compression as HttpCompression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpExporter
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.sdk._logs.export import LogRecordExportResult

from commands.store.application import EventStoreApplication
from domain.audit.chain import verify_chain
from domain.sessions.aggregate import AgentSession
from domain.sessions.values import session_stream_id
from infra.embedded.postgres import free_port
from infra.settings import Settings
from tests.conftest import S1
from tests.otel_sdk import EVENT_NAMES, Running, as_otlp_json, claude_code_log_records
from workers.bootstrap.projections import PROJECTIONS
from workers.bootstrap.projectors import runner

EXPORT = "/opentelemetry.proto.collector.logs.v1.LogsService/Export"
SUCCESS = LogRecordExportResult.SUCCESS


@pytest.fixture
def running(secure_settings: Settings, pg_url: str) -> Iterator[Running]:
    server = Running(secure_settings.replace(otlp_grpc_port=free_port()), pg_url)
    yield server
    server.stop()


@pytest.fixture
def channel(running: Running) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{running.settings.otlp_grpc_port}") as opened:
        yield opened


def raw_export(channel: grpc.Channel) -> Callable[..., bytes]:
    """``LogsService/Export`` with the body as bytes (to send what no SDK would)."""
    return channel.unary_unary(EXPORT)


def session_events(store: EventStoreApplication) -> list[Any]:
    return list(store.events.get(session_stream_id("default", S1["id"])))


def assert_joined_to_hooks(store: EventStoreApplication) -> None:
    """Hook, the eight Claude Code events, hook: one session stream, one intact chain."""
    events = session_events(store)
    assert [type(e).__name__ for e in events] == [
        "Opened", "Started", *("ModelCallRecorded" if "api_" in name else "TelemetryObserved"
                               for name in EVENT_NAMES), "Started",
    ]  # fmt: skip
    assert [e.event_name for e in events[2:-1]] == EVENT_NAMES
    call = events[3]
    assert isinstance(call, AgentSession.ModelCallRecorded)
    assert (call.model, call.cost_usd, call.input_tokens) == ("claude-opus-4-5-20251101",
                                                              0.0842715, 1204)  # fmt: skip
    assert call.team == "platform"  # from the SDK's resource
    assert verify_chain(events).intact


def test_the_sdk_grpc_exporter_records_claude_code_events_between_hooks(running, store):
    running.hook()
    exporter = running.over_grpc(GrpcExporter, compression=grpc.Compression.Gzip)
    assert exporter.export(claude_code_log_records()) is SUCCESS
    exporter.shutdown()
    running.hook()
    assert_joined_to_hooks(store)


def test_the_sdk_http_protobuf_exporter_records_claude_code_events_between_hooks(running, store):
    running.hook()
    exporter = running.over_http(HttpExporter, "/v1/logs", compression=HttpCompression.Gzip)
    assert exporter.export(claude_code_log_records()) is SUCCESS
    exporter.shutdown()
    running.hook()
    assert_joined_to_hooks(store)


def test_the_sdks_export_request_in_otlp_json_records_the_same_events(running, store):
    running.hook()
    response = running.http.post(
        "/v1/logs", content=as_otlp_json(encode_logs(claude_code_log_records())),
        headers={**running.agent, "content-type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json() == {}
    running.hook()
    assert_joined_to_hooks(store)


def test_grpc_exports_show_in_usage_over_graphql(running, store, pg_url):
    assert running.over_grpc(GrpcExporter).export(claude_code_log_records()) is SUCCESS
    usage, conn = runner(PROJECTIONS["usage"], running.settings, pg_url, store, parked=False)
    with conn:
        usage.catch_up()  # the test drives the projector: everything committed is applied
    query = """{ usage(since: "2026-08-01T00:00:00Z", until: "2026-09-01T00:00:00Z",
                      by: SESSION) { key calls costUsd } }"""
    answer = running.http.post("/graphql", json={"query": query},
                               headers={"authorization": f"Bearer {running.viewer}"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    (row,) = answer.json()["data"]["usage"]
    assert (row["key"], row["calls"]) == (S1["id"], 4)
    assert row["costUsd"] == pytest.approx(0.0842715 + 0.0016 + 0.1204)


def test_records_without_a_session_are_a_partial_success_over_grpc(running, channel, store):
    export = encode_logs(claude_code_log_records())
    for attribute in export.resource_logs[0].scope_logs[0].log_records[0].attributes:
        if attribute.key == "session.id":
            attribute.value.string_value = ""
    reply = raw_export(channel)(export.SerializeToString(), metadata=_metadata(running.key))
    partial = ExportLogsServiceResponse.FromString(reply).partial_success
    assert partial.rejected_log_records == 1
    assert "session.id: required" in partial.error_message
    assert len(session_events(store)) == 1 + 7


@pytest.mark.parametrize(
    ("credential", "code"),
    [(None, grpc.StatusCode.UNAUTHENTICATED), ("obs_nope_nope", grpc.StatusCode.UNAUTHENTICATED),
     ("viewer", grpc.StatusCode.PERMISSION_DENIED)],
    ids=["none", "unknown-key", "viewer"],
)  # fmt: skip
def test_grpc_callers_need_an_ingest_credential(running, channel, store, credential, code):
    token = running.viewer if credential == "viewer" else credential
    body = encode_logs(claude_code_log_records()).SerializeToString()
    with pytest.raises(grpc.RpcError) as refused:
        raw_export(channel)(body, metadata=_metadata(token))
    assert refused.value.code() is code
    assert session_events(store) == []


def test_undecodable_grpc_exports_are_invalid_and_quarantined(running, channel, store, db):
    with pytest.raises(grpc.RpcError) as refused:
        raw_export(channel)(b"\x0a\xff\xff\xff\xff\x0f", metadata=_metadata(running.key))
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "ExportLogsServiceRequest" in refused.value.details()
    kept = db.execute("SELECT endpoint, reason, content_type FROM ingest_quarantine").fetchall()
    assert kept == [(EXPORT, "invalid_otlp", "application/grpc")]
    assert session_events(store) == []


def test_grpc_messages_over_the_body_limit_are_resource_exhausted(running, channel, store):
    export = ExportLogsServiceRequest()
    export.resource_logs.add().scope_logs.add().log_records.add().body.string_value = "x" * (
        running.settings.max_body_bytes + 1
    )
    with pytest.raises(grpc.RpcError) as refused:
        raw_export(channel)(export.SerializeToString(), metadata=_metadata(running.key))
    assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert session_events(store) == []


@pytest.fixture
def overloadable(secure_settings: Settings, pg_url: str) -> Iterator[Running]:
    """A server whose writer queue holds one export (one more waits in the writer)."""
    settings = secure_settings.replace(otlp_grpc_port=free_port(), ingest_max_queue=1)
    server = Running(settings, pg_url)
    yield server
    server.stop()


def test_an_overloaded_writer_is_unavailable_with_retry_info_and_503_over_http(
    overloadable, store, db
):
    running = overloadable
    committer = running.server.app.state.gate.committer
    records = claude_code_log_records()
    body = encode_logs(records).SerializeToString()
    table = store.recorder.events_table_name
    with grpc.insecure_channel(f"127.0.0.1:{running.settings.otlp_grpc_port}") as channel, \
            ThreadPoolExecutor(2) as pool, db.transaction():  # fmt: skip
        db.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")  # the writer waits for it
        in_writer = pool.submit(running.over_http(HttpExporter, "/v1/logs").export, records)
        until(lambda: writer_waits_on(db, table), "the writer to wait for the table lock")
        queued: Future[bytes] = pool.submit(raw_export(channel), body,
                                            metadata=_metadata(running.key))  # fmt: skip
        until(lambda: committer.queued == 1, "the second export to wait in the queue")

        with pytest.raises(grpc.RpcError) as refused:
            raw_export(channel)(body, metadata=_metadata(running.key))
        busy = running.http.post("/v1/logs", content=body,
                                 headers={**running.agent, "content-type": "application/x-protobuf"})  # fmt: skip
    assert refused.value.code() is grpc.StatusCode.UNAVAILABLE
    trailers = dict(refused.value.trailing_metadata())
    status = status_pb2.Status.FromString(trailers["grpc-status-details-bin"])
    retry = error_details_pb2.RetryInfo()
    assert status.details[0].Unpack(retry)
    assert retry.retry_delay.seconds == 1
    assert error_details_pb2.RetryInfo.FromString(trailers["google.rpc.retryinfo-bin"]) == retry
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "1"
    assert busy.json()["reason"] == "overloaded"
    assert in_writer.result(30) is SUCCESS
    assert not ExportLogsServiceResponse.FromString(queued.result(30)).HasField("partial_success")
    assert len(session_events(store)) == 1 + 2 * len(records)  # the two accepted, no more


def writer_waits_on(db: Any, table: str) -> bool:
    row = db.execute(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass", (table,)
    ).fetchone()
    return bool(row[0])


def until(condition: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    """Waits for a state the test can observe (a lock wait, a queue length), never for time."""
    deadline = time.monotonic() + limit
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        pause.wait(0.005)


def _metadata(credential: str | None) -> tuple[tuple[str, str], ...]:
    return () if credential is None else (("authorization", f"Bearer {credential}"),)
