"""How a receipt is answered over HTTP."""

from __future__ import annotations

from litestar import Response

from commands.ingest.messages import Receipt

POSITION_HEADER = "Observatory-Position"
REPLAYED_HEADER = "Idempotent-Replayed"


def receipt_response(receipt: Receipt) -> Response[bytes]:
    headers = {POSITION_HEADER: str(receipt.position)} if receipt.position is not None else {}
    if receipt.replayed:
        headers[REPLAYED_HEADER] = "true"
    return Response(
        content=receipt.reply,
        status_code=receipt.status,
        media_type="application/json" if receipt.reply else "text/plain",
        headers=headers,
    )
