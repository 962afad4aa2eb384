"""How the HTTP processes are served: uvicorn options from settings, and read deadlines.

uvicorn closes an *idle* kept-alive connection (``timeout_keep_alive``) but has no deadline
for reading a request: a client that sends its headers one byte a second, or stops halfway
through a body, holds the connection (and its memory) for ever, and httptools accepts
headers of any size. ``GuardedHttpToolsProtocol`` adds, at the protocol level (before the
app sees anything):

* a header deadline — the request line and headers must be complete within
  ``http_header_timeout_seconds`` of connecting (first request) or of the request's first
  byte (later requests on a kept-alive connection): else ``408`` and close;
* a body deadline — the whole body within ``http_body_timeout_seconds`` of the headers:
  else ``408`` (if no response has started) and close; the app's ``receive`` then gets
  ``http.disconnect``;
* a header size limit — request line plus headers at most ``http_max_header_bytes``, counted
  as they are parsed and, for headers still incomplete, as they arrive: else ``431`` and
  close.

Refusals are RFC 9457 problem documents. ``uvicorn_options`` gives ``up`` and ``serve`` the
same server configuration.
"""

from __future__ import annotations

import asyncio
import http
import json
from dataclasses import dataclass
from functools import partial
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from infra.settings import Settings

LINGER_SECONDS = 2.0


@dataclass(frozen=True)
class HttpLimits:
    """Read deadlines (seconds) and the header size limit (bytes) of every connection."""

    header_timeout: float
    body_timeout: float
    max_header_bytes: int

    @classmethod
    def of(cls, settings: Settings) -> HttpLimits:
        return cls(
            header_timeout=settings.http_header_timeout_seconds,
            body_timeout=settings.http_body_timeout_seconds,
            max_header_bytes=settings.http_max_header_bytes,
        )


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config`` and ``uvicorn.run`` (picklable, so that
    ``serve --workers N`` hands them to its worker processes)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,  # the entry point configured structured logging
        "access_log": False,
        "http": partial(GuardedHttpToolsProtocol, limits=HttpLimits.of(settings)),
    }


class _HeadersTooLargeError(Exception):
    """Raised from a parser callback to stop parsing a request whose headers are too large."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with read deadlines and a header size limit (see module
    doc). Invariant: at most one deadline is armed; it belongs to the request being read.

    A deadline is a time stamp checked by one watchdog timer per connection (every quarter
    of the shortest deadline, at most every second), not a timer per request: arming and
    disarming on every request then costs an assignment, and a deadline is enforced at most
    a tick late."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: HttpLimits,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self._deadline_at: float | None = None  # loop time
        self._deadline_seconds = 0.0
        self._deadline_part = "headers"
        self._tick = min(limits.header_timeout, limits.body_timeout, 4.0) / 4
        self._watchdog: asyncio.TimerHandle | None = None
        self._awaiting_headers = True
        self._header_bytes = 0  # request line and headers parsed so far
        self._arrived_bytes = 0  # bytes received while this request's headers are incomplete
        self._too_large = False
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.limits.header_timeout, "headers")
        self._watchdog = self.loop.call_later(self._tick, self._watch)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_watching()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # lingering after a refusal: what the client still sends is dropped
        if self._awaiting_headers:
            self._arrived_bytes += len(data)
        super().data_received(data)
        if (
            self._awaiting_headers
            and self._arrived_bytes > self.limits.max_header_bytes
            and not self._refused
        ):
            # Still no end of headers: do not buffer more of them (httptools would, without end).
            self._refuse(431, self._too_large_detail())

    def send_400_response(self, msg: str) -> None:
        if self._too_large:
            self._refuse(431, self._too_large_detail())
        else:
            super().send_400_response(msg)

    def handle_websocket_upgrade(self) -> None:
        self._stop_watching()  # the WebSocket protocol takes the connection over
        super().handle_websocket_upgrade()

    # Parser callbacks
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        if self._deadline_at is None:
            self._arm(self.limits.header_timeout, "headers")

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._count(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        self._count(len(name) + len(value) + 4)  # ": " and CRLF

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._disarm()
        upgrading = self.parser.should_upgrade() and self._should_upgrade()
        super().on_headers_complete()
        if not upgrading:
            self._arm(self.limits.body_timeout, "body")

    def on_message_complete(self) -> None:
        self._disarm()
        self._awaiting_headers = True
        self._arrived_bytes = 0
        super().on_message_complete()

    # Deadlines and refusals
    def _count(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > self.limits.max_header_bytes:
            self._too_large = True
            raise _HeadersTooLargeError  # the parser stops; data_received answers 431

    def _too_large_detail(self) -> str:
        return (
            f"the request line and headers exceed {self.limits.max_header_bytes} bytes "
            "(OBSERVATORY_HTTP_MAX_HEADER_BYTES): send fewer or shorter headers"
        )

    def _arm(self, seconds: float, part: str) -> None:
        self._deadline_at = self.loop.time() + seconds
        self._deadline_seconds, self._deadline_part = seconds, part

    def _disarm(self) -> None:
        self._deadline_at = None

    def _stop_watching(self) -> None:
        self._deadline_at = None
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    def _watch(self) -> None:
        self._watchdog = None
        if self._refused or self.transport.is_closing():
            return
        if self._deadline_at is not None and self.loop.time() >= self._deadline_at:
            self._expired(self._deadline_seconds, self._deadline_part)
            return
        self._watchdog = self.loop.call_later(self._tick, self._watch)

    def _expired(self, seconds: float, part: str) -> None:
        self._deadline_at = None
        setting = "HEADER" if part == "headers" else "BODY"
        self._refuse(
            408,
            f"the request {part} did not arrive within {seconds:g} s "
            f"(OBSERVATORY_HTTP_{setting}_TIMEOUT_SECONDS); the connection is closed",
            reading_body=part == "body",
        )

    def _refuse(self, status: int, detail: str, *, reading_body: bool = False) -> None:
        """Answers ``status`` as a problem document unless that would mix with a response
        already on the wire, and closes. An unfinished request sees a disconnect: its
        app can send nothing more on this connection."""
        if self._refused or self.transport.is_closing():
            return
        self._refused = True
        self._disarm()
        cycle = self.cycle  # while reading headers: the previous request's, if any
        if cycle is None:
            answer = True
        elif reading_body:
            answer = not cycle.response_started
        else:
            answer = cycle.response_complete
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
        if answer:
            phrase = http.HTTPStatus(status).phrase
            body = json.dumps(
                {"type": "about:blank", "title": phrase, "status": status, "detail": detail}
            ).encode()
            content = [STATUS_LINE[status]]
            for name, value in self.server_state.default_headers:
                content += [name, b": ", value, b"\r\n"]
            content += [
                b"content-type: application/problem+json\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n\r\n",
                body,
            ]
            self.transport.write(b"".join(content))
        self._linger()

    def _linger(self) -> None:
        """Closes our side after the answer but reads (and drops) what the client is still
        sending for a moment: closing with unread data makes the kernel reset the connection,
        and the client would lose the answer (a 431 arrives while headers are still sent)."""
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self.flow.resume_reading()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)
