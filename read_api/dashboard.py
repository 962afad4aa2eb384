"""The web dashboard (``dashboard/``, built by ``make up`` into ``dashboard_dist/`` beside this
module) served at ``/``: hashed assets cached for a year, every other page a browser asks for
(``Accept: text/html``) answered with ``index.html`` so the single-page app routes it
(``/sessions/<id>`` reloads fine).

The pages and their scripts hold no data and need no credentials (the app asks for a token and
sends it to ``/graphql``); a path under an API prefix, or asked for by a client that is not
a browser navigating, is never answered with the app, so a mistyped API call still gets the
API's 404. With no build present ``/`` says how to make one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File
from litestar.static_files import create_static_files_router

DIST = Path(__file__).with_name("dashboard_dist")
API_PREFIXES = frozenset(
    {"graphql", "v1", "healthz", "readyz", "metrics", "schema", "events", "assets"}
)
"""First path segments that belong to the APIs (or to the asset router): never the app."""
PUBLIC = {"exclude_from_auth": True}
REVALIDATE = CacheControlHeader(no_cache=True)
"""index.html names the current hashed assets: always check it is still the current one."""
FOREVER = CacheControlHeader(public=True, max_age=31_536_000, immutable=True)
"""Vite names every asset by its content hash: a changed asset is a new URL."""
NOT_BUILT = (
    "<!doctype html><title>Observatory</title><p>The dashboard is not built: run "
    "<code>make up</code> (it needs Node 20 and npm) or <code>cd dashboard && npm ci && "
    "npm run build</code>. GraphiQL is at <a href=/graphql>/graphql</a>.</p>"
)


def dashboard_handlers(dist: Path | None = None) -> list[Any]:
    """The asset router and the page handler for the build in ``dist`` (default ``DIST``)."""
    dist = dist or DIST

    def answer(path: str, accept: str) -> Response[Any]:
        first = path.strip("/").partition("/")[0]
        if first in API_PREFIXES:
            raise NotFoundException(f"no route {path}")
        index = dist / "index.html"
        if not index.is_file():
            return Response(NOT_BUILT, media_type="text/html", status_code=503)
        wanted = (dist / path.lstrip("/")).resolve()
        if wanted.is_file() and wanted.is_relative_to(dist.resolve()):
            return _inline(wanted)
        if Path(path).suffix:  # a missing file (favicon.ico, a stale asset), not a page
            raise NotFoundException(f"no file {path}")
        if path != "/" and "text/html" not in accept:
            # Only a browser navigating gets the app for an unknown path; an API client that
            # mistyped a route gets the 404 problem document it would get without a dashboard.
            raise NotFoundException(f"no route {path}")
        return _inline(index)

    @get("/", opt=PUBLIC, include_in_schema=False, sync_to_thread=False, cache_control=REVALIDATE)
    def root() -> Response[Any]:
        return answer("/", "")

    @get(
        "/{path:path}", opt=PUBLIC, include_in_schema=False, sync_to_thread=False,
        cache_control=REVALIDATE,
    )  # fmt: skip
    def page(path: FromPath[str], request: Request[Any, Any, Any]) -> Response[Any]:
        return answer(path, request.headers.get("accept", ""))

    assets = create_static_files_router(
        path="/assets", directories=[dist / "assets"], cache_control=FOREVER, opt=PUBLIC,
        name="dashboard_assets",
    )  # fmt: skip
    return [root, page, assets]


def _inline(path: Path) -> File:
    """The file shown in the browser, its type told by its name (``index.html``, ``app.js``)."""
    return File(path, filename=path.name, content_disposition_type="inline")
