"""The HTTP processes' own endpoints (``/healthz``, ``/readyz``) and the uvicorn factory.

The app itself is built by the composition root, ``workers.bootstrap.api.api_app``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from litestar import get
from litestar.datastructures import State
from litestar.exceptions import HTTPException

from infra.settings import Settings
from infra.version import version

if TYPE_CHECKING:
    from litestar import Litestar


@get("/healthz", summary="Liveness", tags=["operations"], sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok", "version": version()}


@get("/readyz", summary="Readiness: the database answers", tags=["operations"])
async def readyz(state: State) -> dict[str, str]:

    ping: Callable[[], Any] = state.ping
    try:
        await asyncio.wait_for(ping(), timeout=2.0)
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        raise HTTPException(status_code=503, detail=f"database unavailable: {error}") from None
    return {"status": "ready"}


def app_from_env() -> Litestar:
    """Factory for ``uvicorn --factory`` (compose services, ``serve --workers``)."""
    from workers.bootstrap.api import api_app

    settings = Settings.from_env()
    role = os.environ.get("OBSERVATORY_ROLE", "all")
    if settings.database_url is None:
        raise RuntimeError("set OBSERVATORY_DATABASE_URL for `serve` (`up` runs its own server)")
    return api_app(settings, write=role in ("all", "write"), read=role in ("all", "read"))
