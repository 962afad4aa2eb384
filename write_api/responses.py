"""How a receipt is answered over HTTP.

A door's work ends in an ``Answer`` (status, headers, body). The lean door sends it straight
over ASGI (``send_answer``); the Litestar route that documents the door returns it as a
``Response`` (``as_response``). Both give the same status, headers and bytes: a body is
``application/json``, an empty one ``text/plain; charset=utf-8`` (Litestar's own rendering).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from litestar import Response
from litestar.types import Send

from commands.ingest.messages import Receipt
from domain.sessions.ruling import Ruling

POSITION_HEADER = "Observatory-Position"
REPLAYED_HEADER = "Idempotent-Replayed"
JSON = "application/json"
TEXT = "text/plain"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)


def receipt_answer(
    receipt: Receipt, body: bytes, started: float, ruling: Ruling | None = None
) -> Answer:
    """Every ingest door's answer: ``body`` with the receipt's status, its position, the
    replay flag and the server timing."""
    headers = {POSITION_HEADER: str(receipt.position)} if receipt.position is not None else {}
    if receipt.replayed:
        headers[REPLAYED_HEADER] = "true"
    # Server-Timing (W3C): what the server spent deciding, and on the whole request.
    total = f"total;dur={(time.perf_counter() - started) * 1000:.3f}"
    headers["Server-Timing"] = (
        total if ruling is None else f"decide;dur={ruling.latency_ms:.3f}, {total}"
    )
    return Answer(receipt.status, body, JSON if body else TEXT, headers)


def as_response(answer: Answer) -> Response[bytes]:
    return Response(
        content=answer.body,
        status_code=answer.status,
        media_type=answer.media_type,
        headers=answer.headers,
    )


async def send_answer(send: Send, answer: Answer) -> None:
    content_type = answer.media_type + ("; charset=utf-8" if answer.media_type == TEXT else "")
    headers = [
        (b"content-type", content_type.encode("latin-1")),
        (b"content-length", str(len(answer.body)).encode("latin-1")),
    ]
    headers += [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers.items()
    ]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})
