"""How a receipt is answered over HTTP."""

from __future__ import annotations

import time

from litestar import Response

from commands.ingest.messages import Receipt
from domain.sessions.ruling import Ruling

POSITION_HEADER = "Observatory-Position"
REPLAYED_HEADER = "Idempotent-Replayed"


def receipt_response(
    receipt: Receipt, started: float | None = None, ruling: Ruling | None = None
) -> Response[bytes]:
    headers = {POSITION_HEADER: str(receipt.position)} if receipt.position is not None else {}
    if receipt.replayed:
        headers[REPLAYED_HEADER] = "true"
    if started is not None:
        # Server-Timing (W3C): what the server spent deciding, and on the whole request.
        timings = [f"total;dur={(time.perf_counter() - started) * 1000:.3f}"]
        if ruling is not None:
            timings.insert(0, f"decide;dur={ruling.latency_ms:.3f}")
        headers["Server-Timing"] = ", ".join(timings)
    return Response(
        content=receipt.reply,
        status_code=receipt.status,
        media_type="application/json" if receipt.reply else "text/plain",
        headers=headers,
    )
