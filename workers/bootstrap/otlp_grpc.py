"""The OTLP/gRPC receiver of an API process with the write side: started in the app's lifespan,
in its event loop, on the gate and authenticator the HTTP doors use; stopped before them.

Every such process serves it (``OBSERVATORY_OTLP_GRPC_PORT``, 0 = not served). ``serve
--workers N`` sets ``otlp_grpc_reuse_port`` so that its N processes share the port
(SO_REUSEPORT: the kernel spreads connections among them, as the HTTP port is shared); one
process alone keeps the port to itself, and a port in use stops it from starting.
"""

from __future__ import annotations

import contextlib

from litestar import Litestar

from infra.settings import Settings
from write_api.otlp.grpc_receiver import OtlpGrpcReceiver, start_server

GRACE_SECONDS = 10.0
"""How long exports in flight may take to finish once the process stops."""


async def serve_otlp_grpc(
    app: Litestar, stack: contextlib.AsyncExitStack, settings: Settings
) -> None:
    if not settings.otlp_grpc_port:
        return
    server = await start_server(
        OtlpGrpcReceiver(app.state.gate, app.state.authenticator),
        host=settings.host, port=settings.otlp_grpc_port,
        max_message_bytes=settings.max_body_bytes, reuse_port=settings.otlp_grpc_reuse_port,
    )  # fmt: skip
    stack.push_async_callback(server.stop, GRACE_SECONDS)
