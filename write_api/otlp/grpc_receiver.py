"""OTLP/gRPC: the collector services (``LogsService/Export``…) on their own port, served by
grpcio's asyncio server in the API process's event loop, beside the HTTP app.

Each OTLP signal (``write_api.otlp.export.Signal``) is the unary ``Export`` method of the
service that its request message's proto file declares, found from the descriptor: serving
another signal over gRPC is one more entry in ``SIGNALS``. After decoding, an export is
``record_export``'s, exactly as over OTLP/HTTP (screened, sealed, durable before the answer);
what differs is how a call arrives and how it is refused:

- gRPC framing, ``grpc-encoding: gzip`` and the size limit are grpcio's (the HTTP body limit
  as ``grpc.max_receive_message_length``: a larger message is RESOURCE_EXHAUSTED before it
  reaches us, so it is not quarantined; nor is a 413 body over HTTP);
- the request reaches the handler as raw bytes (no deserializer), so that one protobuf cannot
  decode is kept in quarantine as over HTTP (named by its method path), and the answer is the
  receipt's stored reply bytes;
- the credential is the ``authorization: Bearer …`` metadata (``OTEL_EXPORTER_OTLP_HEADERS``),
  checked by the HTTP side's ``Authenticator`` (same keys, tokens and roles);
- refusals are the status codes the OTLP specification gives (the HTTP problem's detail is
  the status message)::

      401 unauthenticated         UNAUTHENTICATED      not retryable
      403 forbidden               PERMISSION_DENIED    not retryable
      400 invalid_otlp            INVALID_ARGUMENT     not retryable
      413 (grpcio)                RESOURCE_EXHAUSTED   not retryable (no RetryInfo)
      503 overloaded/unavailable  UNAVAILABLE          retryable, with RetryInfo = Retry-After

  RetryInfo goes in ``grpc-status-details-bin`` (a ``google.rpc.Status``, the gRPC richer
  error model the specification names) and in ``google.rpc.retryinfo-bin`` (what the
  OpenTelemetry Python exporter reads).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import grpc
from google.protobuf.any_pb2 import Any as AnyMessage
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from litestar.plugins.problem_details import ProblemDetailsException

from infra.access.errors import ForbiddenError
from infra.access.middleware import Authenticator, credential_of
from infra.access.principal import Permission, Principal
from write_api.gate import IngestGate
from write_api.otlp.decoding import PROTOBUF, OtlpRefusedError, decode
from write_api.otlp.export import Signal, record_export
from write_api.otlp.logs import LOGS
from write_api.otlp.metrics import METRICS
from write_api.otlp.traces import TRACES

log = logging.getLogger(__name__)

SIGNALS: tuple[Signal, ...] = (LOGS, METRICS, TRACES)
"""The signals served over OTLP/gRPC: one entry per signal (its service comes with it)."""

GRPC = "application/grpc"

_CODES = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    415: grpc.StatusCode.INVALID_ARGUMENT,
    503: grpc.StatusCode.UNAVAILABLE,
}
"""HTTP statuses of the write side's problems as the OTLP/gRPC status codes."""


class OtlpGrpcPortError(RuntimeError):
    """The OTLP/gRPC port cannot be listened on (in use, or not allowed)."""


@dataclass(frozen=True, slots=True)
class Peer:
    """What the gate's refusals and the authenticator read of a gRPC call, as a ``Call``
    gives them for HTTP: its metadata as headers, the client's address."""

    headers: Mapping[str, str]
    client_host: str | None

    @classmethod
    def of(cls, context: grpc.aio.ServicerContext[Any, Any]) -> Peer:
        headers = {"content-type": GRPC}
        for key, value in context.invocation_metadata() or ():
            if isinstance(value, str):  # ``-bin`` metadata is bytes, never a credential
                headers.setdefault(key.lower(), value)
        return cls(headers, peer_host(context.peer()))


def export_method(signal: Signal) -> tuple[str, str]:
    """The service and method of the proto file declaring ``signal``'s request message,
    e.g. ``opentelemetry.proto.collector.logs.v1.LogsService`` and ``Export``."""
    request = signal.request.DESCRIPTOR
    for service in request.file.services_by_name.values():
        for method in service.methods:
            if method.input_type is request:
                return service.full_name, method.name
    raise LookupError(f"{request.full_name} is the request of no service in {request.file.name}")


class OtlpGrpcReceiver:
    """The OTLP/gRPC services for some signals, on the write side's gate and authenticator."""

    def __init__(self, gate: IngestGate, authenticator: Authenticator) -> None:
        self.gate = gate
        self.authenticator = authenticator

    def handlers(self, signals: Iterable[Signal]) -> list[grpc.GenericRpcHandler]:
        methods: dict[str, dict[str, grpc.RpcMethodHandler[Any, Any]]] = {}
        for signal in signals:
            service, method = export_method(signal)
            methods.setdefault(service, {})[method] = grpc.unary_unary_rpc_method_handler(
                self._exporter(signal, f"/{service}/{method}")
            )
        return [grpc.method_handlers_generic_handler(s, m) for s, m in methods.items()]

    def _exporter(
        self, signal: Signal, path: str
    ) -> Callable[[bytes, grpc.aio.ServicerContext[Any, Any]], Awaitable[bytes]]:
        async def export(body: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
            peer = Peer.of(context)
            try:
                caller = await self._caller(peer)
                return await self._record(signal, path, caller.tenant_id, peer, body)
            except ProblemDetailsException as problem:
                await _abort(context, problem)

        return export

    async def _caller(self, peer: Peer) -> Principal:
        """The authenticated caller, allowed to ingest (401 / 403 problems otherwise)."""
        caller = await self.authenticator.authenticate(credential_of(peer))
        if not caller.can(Permission.INGEST):
            roles = ", ".join(sorted(role.value for role in caller.roles)) or "none"
            raise ForbiddenError(f"this needs the ingest permission; your roles: {roles}")
        return caller

    async def _record(
        self, signal: Signal, path: str, tenant_id: str, peer: Peer, body: bytes
    ) -> bytes:
        export: Message
        try:
            export = decode(signal.request, body, PROTOBUF, self.gate.max_depth)
        except OtlpRefusedError as error:
            await self.gate.refuse(peer, path, tenant_id, self.gate.clock(), body, error.reason,
                                   error.detail, status=error.status, **error.extra)  # fmt: skip
        receipt = await record_export(self.gate, tenant_id, signal, export, encoding=PROTOBUF)
        return receipt.reply


async def _abort(
    context: grpc.aio.ServicerContext[Any, Any], problem: ProblemDetailsException
) -> NoReturn:
    """Ends the call with the status of ``problem`` (RetryInfo when it says Retry-After)."""
    code = _CODES.get(problem.status_code, grpc.StatusCode.INVALID_ARGUMENT)
    detail = problem.detail
    trailers: tuple[tuple[str, bytes], ...] = ()
    retry_after = (problem.headers or {}).get("Retry-After")
    if code is grpc.StatusCode.UNAVAILABLE and retry_after and retry_after.isdigit():
        retry = error_details_pb2.RetryInfo(retry_delay=Duration(seconds=int(retry_after)))
        packed = AnyMessage()
        packed.Pack(retry)
        status = status_pb2.Status(code=code_pb2.UNAVAILABLE, message=detail, details=[packed])
        trailers = (
            ("grpc-status-details-bin", status.SerializeToString()),
            ("google.rpc.retryinfo-bin", retry.SerializeToString()),
        )
    await context.abort(code, detail, trailers)


async def start_server(
    receiver: OtlpGrpcReceiver,
    *,
    host: str,
    port: int,
    max_message_bytes: int,
    reuse_port: bool = False,
    signals: Iterable[Signal] = SIGNALS,
) -> grpc.aio.Server:
    """A started gRPC server with ``signals``' services on ``host:port`` (a port that cannot
    be bound raises ``OtlpGrpcPortError``); the caller stops it."""
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.so_reuseport", int(reuse_port)),
        ]
    )
    server.add_generic_rpc_handlers(receiver.handlers(signals))
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        server.add_insecure_port(address)
    except RuntimeError as error:
        raise OtlpGrpcPortError(
            f"cannot listen for OTLP/gRPC on {address}: is the port in use? Pick another with "
            "OBSERVATORY_OTLP_GRPC_PORT (0: no OTLP/gRPC)"
        ) from error
    await server.start()
    log.info("OTLP/gRPC listening on %s:%s", host, port)
    return server


def peer_host(peer: str) -> str | None:
    """The address in grpcio's peer string (``ipv4:127.0.0.1:5123``, ``ipv6:[::1]:5123``)."""
    kind, _, rest = peer.partition(":")
    if kind not in ("ipv4", "ipv6"):
        return None
    return rest.rpartition(":")[0].strip("[]") or None
