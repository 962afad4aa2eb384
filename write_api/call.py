"""One ingest request as the gate reads it: the raw ASGI scope and receive, no framework object.

The ingest doors are on every tool call of every agent: building a framework request (and its
headers multidict, URL, state) costs more than what the gate needs from it, which is a few
headers, the client's address, the caller (``scope["user"]``) and the body. A ``Call`` is made
the same way by the lean door (``write_api.doors``) and by the Litestar route that documents
the door, so both run the same gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from litestar.exceptions import InternalServerException
from litestar.types import Receive, Scope

from write_api.errors import BodyTooLargeError


class Origin(Protocol):
    """Where a request came from, as a refusal keeps it: a ``Call``, or an OTLP/gRPC call's
    metadata and peer (``write_api.otlp.grpc_receiver.Peer``)."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def client_host(self) -> str | None: ...


class Call:
    """Header names lower case; a repeated header reads as its first value (as Litestar's)."""

    __slots__ = ("_headers", "receive", "scope")

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self.scope: Any = scope
        self.receive = receive
        self._headers: dict[str, str] | None = None

    @property
    def headers(self) -> dict[str, str]:
        if self._headers is None:
            headers: dict[str, str] = {}
            for name, value in self.scope["headers"]:
                headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
            self._headers = headers
        return self._headers

    @property
    def client_host(self) -> str | None:
        client = self.scope.get("client")
        return client[0] if client else None

    async def body(self, limit: int) -> bytes:
        """The whole body, or ``BodyTooLargeError`` once more than ``limit`` bytes arrived."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise InternalServerException("client disconnected prematurely")
            chunk: bytes = message.get("body", b"")  # type: ignore[assignment]
            if chunk:
                size += len(chunk)
                if size > limit:
                    raise BodyTooLargeError(size)
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
