"""``serve --workers N`` serves OTLP/gRPC from every worker on one port (SO_REUSEPORT), and
a second server on a port already served is refused instead of sharing it silently."""

from __future__ import annotations

import signal
import socket
import time

import psutil
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs.export import LogRecordExportResult

from commands.store.application import EventStoreApplication
from domain.sessions.values import session_stream_id
from infra.database import eventsourcing_env
from infra.embedded.postgres import free_port
from tests.conftest import S1
from tests.e2e.processes import env, start, wait_until_ready
from tests.otel_sdk import claude_code_log_records

EXPORTS = 4


def test_every_worker_serves_otlp_grpc_on_one_port(pg_url, schema, tmp_path):
    port, grpc_port = free_port(), free_port()
    log = tmp_path / "serve.log"
    environment = env(
        OBSERVATORY_DATABASE_URL=pg_url, OBSERVATORY_DATABASE_SCHEMA=schema,
        OBSERVATORY_DATA_DIR=str(tmp_path / "data"), OBSERVATORY_OTLP_GRPC_PORT=str(grpc_port),
    )  # fmt: skip
    serve = start(["serve", "--workers", "2", "--insecure-dev", "--port", str(port)],
                  environment, log)  # fmt: skip
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", serve, log)
        wait_for_listeners(grpc_port, 2)  # both workers, on the one port
        records = claude_code_log_records()
        for _ in range(EXPORTS):  # a new connection each: the kernel picks a worker for each
            exporter = OTLPLogExporter(endpoint=f"http://127.0.0.1:{grpc_port}", insecure=True)
            assert exporter.export(records) is LogRecordExportResult.SUCCESS
            exporter.shutdown()
        lone = start(["serve", "--insecure-dev", "--port", str(free_port())], environment,
                     tmp_path / "lone.log")  # fmt: skip
        assert lone.wait(60) != 0  # one process alone does not share a port in use
    finally:
        serve.send_signal(signal.SIGINT)
        code = serve.wait(60)
    output = log.read_text()
    assert code == 0, output
    store = EventStoreApplication(eventsourcing_env(pg_url, schema, 1))
    try:
        events = list(store.events.get(session_stream_id("default", S1["id"])))
    finally:
        store.close()
    assert len(events) == 1 + EXPORTS * len(records)
    with socket.socket() as probe:  # and the port is free again once it stopped
        probe.bind(("127.0.0.1", grpc_port))


def wait_for_listeners(port: int, count: int, limit: float = 60.0) -> None:
    """Polls until ``count`` processes listen on ``port`` (the workers are starting)."""
    deadline = time.monotonic() + limit
    while len(found := listening_on(port)) < count:
        assert time.monotonic() < deadline, f"only {found} listen on {port}"
        time.sleep(0.1)  # polling starting processes, not waiting for consistency
    assert len(found) == count


def listening_on(port: int) -> set[int]:
    """The processes listening on ``port``."""
    return {c.pid for c in psutil.net_connections("tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port and c.pid}  # fmt: skip
