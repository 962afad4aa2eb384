"""The lean ingest doors: ``POST /v1/hooks/claude-code`` and ``POST /events`` served on raw ASGI.

Why: the hook route runs on every tool call of every agent, and on it Litestar's stack
(exception middleware, authentication middleware, router, the handler's signature model and
kwargs, the response object) cost about as much CPU as the gate's own work. ``IngestDoors``
sits in front of that stack (it replaces ``app.asgi_handler``, so every server and the test
client go through it) and takes exactly those two paths and that one method; everything
else, including a trailing slash or a ``root_path``, goes to Litestar unchanged.

What a door keeps of the Litestar route it stands in for, so that the two cannot differ:

* the same code: the route's handler and the door both call ``IngestGate.ingest`` with the
  route's ``Door`` on a ``Call`` (``write_api.call``);
* authentication: the app's ``Authenticator`` on the same credential (``credential_of``),
  the caller stored as ``scope["user"]`` as the middleware does;
* the route's own guards (``Permission.INGEST``), resolved from the registered handler;
* refusals: any exception goes through Litestar's exception handling with the route's
  exception handlers, so problem documents (401, 403, 4xx of the gate, 503, 500) are
  byte for byte what the route answers;
* the router's Host header check (an invalid Host goes to Litestar, which refuses it).

The route stays registered: it is what the OpenAPI document (``/schema``) describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar._asgi.utils import is_valid_host  # the router's own Host check
from litestar.connection import ASGIConnection
from litestar.handlers import HTTPRouteHandler
from litestar.middleware._internal.exceptions.middleware import ExceptionHandlerMiddleware
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from infra.access.middleware import Authenticator, credential_of
from write_api.call import Call
from write_api.controllers import claude_code, envelopes
from write_api.gate import Door, IngestGate
from write_api.responses import Answer, send_answer

DOORS: dict[str, Door] = {door.endpoint: door for door in (claude_code.DOOR, envelopes.DOOR)}


@dataclass(frozen=True)
class _Route:
    """A door and what it keeps of the route it stands in for."""

    door: Door
    handler: HTTPRouteHandler
    guards: tuple[Any, ...]
    exception_handlers: dict[Any, Any]


class IngestDoors:
    """ASGI app: POST on an ingest path to its door, anything else to ``inner``."""

    def __init__(self, app: Litestar, inner: ASGIApp) -> None:
        self.app = app
        self.inner = inner
        self.doors: dict[str, _Route] = {}
        for route in app.routes:
            door = DOORS.get(route.path)
            if door is None or not isinstance(route, HTTPRoute):
                continue
            if (entry := route.route_handler_map.get("POST")) is not None:
                handler = entry[0]
                guards = tuple(handler.resolve_guards())
                refusals = dict(handler.resolve_exception_handlers())
                self.doors[route.path] = _Route(door, handler, guards, refusals)
        self._refusals = ExceptionHandlerMiddleware(inner, None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: dict[str, Any] = scope  # type: ignore[assignment]
        route = (
            self.doors.get(raw["path"])
            if raw["type"] == "http" and raw.get("method") == "POST" and not raw.get("root_path")
            else None
        )
        if route is None or not _host_ok(scope):
            await self.inner(scope, receive, send)
            return
        try:
            answer = await self._open(route, scope, receive)
        except Exception as error:  # noqa: BLE001 - answered as the route would answer it
            ScopeState.from_scope(scope).exception_handlers = route.exception_handlers
            scope["route_handler"] = route.handler
            await self._refusals.handle_request_exception(self.app, scope, receive, send, error)
            return
        await send_answer(send, answer)

    async def _open(self, route: _Route, scope: Any, receive: Receive) -> Answer:
        call = Call(scope, receive)
        authenticator: Authenticator = self.app.state.authenticator
        credential = credential_of(call)
        scope["user"] = await authenticator.authenticate(credential)
        scope["auth"] = credential
        if route.guards:
            connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope, receive)
            for guard in route.guards:
                await guard(connection, route.handler)
        gate: IngestGate = self.app.state.gate
        return await gate.ingest(call, route.door)


def _host_ok(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"host":
            return is_valid_host(value)
    return True


def lean_ingest(app: Litestar) -> Litestar:
    """Puts the lean doors in front of ``app``'s middleware stack (see the module doc)."""
    app.asgi_handler = IngestDoors(app, app.asgi_handler)
    return app
