"""Which gRPC method serves a signal comes from its request message's proto file, so any
OTLP signal is served over gRPC by naming it (``write_api.otlp.grpc_receiver.SIGNALS``)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord

from write_api.otlp.grpc_receiver import (
    SIGNALS,
    OtlpGrpcPortError,
    OtlpGrpcReceiver,
    export_method,
    peer_host,
    start_server,
)
from write_api.otlp.logs import LOGS


@dataclass
class Requesting:
    """Only what ``export_method`` reads of a signal."""

    request: Any


@pytest.mark.parametrize(
    ("request_message", "service"),
    [(ExportLogsServiceRequest, "opentelemetry.proto.collector.logs.v1.LogsService"),
     (ExportTraceServiceRequest, "opentelemetry.proto.collector.trace.v1.TraceService"),
     (ExportMetricsServiceRequest, "opentelemetry.proto.collector.metrics.v1.MetricsService")],
)  # fmt: skip
def test_each_export_request_is_served_by_its_collector_service(request_message, service):
    assert export_method(Requesting(request_message)) == (service, "Export")  # type: ignore[arg-type]


def test_a_message_that_is_no_service_request_is_refused_at_start():
    with pytest.raises(LookupError, match="LogRecord"):
        export_method(Requesting(LogRecord))  # type: ignore[arg-type]


def test_logs_are_served_over_grpc():
    assert LOGS in SIGNALS


@pytest.mark.parametrize(
    ("peer", "host"),
    [("ipv4:127.0.0.1:5123", "127.0.0.1"), ("ipv6:[::1]:5123", "::1"),
     ("unix:/tmp/otlp.sock", None)],
)  # fmt: skip
def test_the_client_address_is_read_from_grpcs_peer_string(peer, host):
    assert peer_host(peer) == host


async def test_a_port_in_use_is_a_clear_error_not_a_shared_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        receiver = OtlpGrpcReceiver(None, None)  # type: ignore[arg-type] - never called
        with pytest.raises(
            OtlpGrpcPortError, match=f"127.0.0.1:{port}.*OBSERVATORY_OTLP_GRPC_PORT"
        ):
            await start_server(receiver, host="127.0.0.1", port=port, max_message_bytes=1024)
