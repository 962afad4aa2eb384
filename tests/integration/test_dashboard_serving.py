"""The read API serves the dashboard at ``/`` without credentials (pages hold no data), routes
every other page to its ``index.html`` and caches hashed assets for good, and never answers an
API path with the app: GraphiQL, GraphQL, health, metrics and the command API stay as they were.
GraphQL's ``whoami`` tells the dashboard what the caller may do."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

import read_api.dashboard
from infra.access.principal import Role
from infra.access.tokens import signer_for
from workers.bootstrap.api import api_app

INDEX = "<!doctype html><title>Observatory</title><script src=/assets/index-abc123.js></script>"
WHOAMI = {"query": "{ whoami { subject roles permissions } }"}


@pytest.fixture
def build(tmp_path, monkeypatch):
    """A dashboard build as Vite lays it out (index.html, hashed assets)."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "index-abc123.js").write_text("console.log('app')")
    (dist / "robots.txt").write_text("User-agent: *\n")
    monkeypatch.setattr(read_api.dashboard, "DIST", dist)
    return dist


@pytest.fixture
def secure(build, secure_settings, pg_url):
    with TestClient(api_app(secure_settings, pg_url), raise_server_exceptions=False) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_pages_are_the_app_without_credentials_and_revalidated(secure: TestClient[Any]):
    for path in ("/", "/sessions/3f6b2c1e", "/alerts", "/sign-in"):
        page = secure.get(path, headers={"accept": "text/html"})
        assert page.status_code == 200, (path, page.text)
        assert page.text == INDEX
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-cache"
    assert secure.get("/robots.txt").text == "User-agent: *\n"
    assert secure.get("/").text == INDEX  # curl http://…/ too
    # Not a browser navigating (httpx, curl): an unknown path is the API's 404, not the app.
    missing = secure.get("/sessions/3f6b2c1e", headers={"accept": "*/*"})
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_hashed_assets_are_cached_for_a_year_and_a_missing_one_is_404(secure: TestClient[Any]):
    asset = secure.get("/assets/index-abc123.js")
    assert asset.status_code == 200
    assert "javascript" in asset.headers["content-type"]
    assert set(asset.headers["cache-control"].replace(" ", "").split(",")) == {
        "max-age=31536000", "public", "immutable"}  # fmt: skip
    assert secure.get("/assets/index-old999.js").status_code == 404
    assert secure.get("/favicon.ico").status_code == 404  # a file, not a page: no app for it
    assert secure.get("/../pyproject.toml").status_code == 404


def test_api_paths_are_never_answered_with_the_app(secure: TestClient[Any]):
    ide = secure.get("/graphql", headers={"accept": "text/html"})
    assert ide.status_code == 200 and "graphiql" in ide.text.lower() and ide.text != INDEX
    assert secure.post("/graphql", json=WHOAMI).status_code == 401
    for path in ("/v1/nothing", "/v1/alerts/a1/acknowledge", "/graphql/extra", "/schema/x/y",
                 "/events/x", "/metrics/x"):  # fmt: skip
        answer = secure.get(path, headers={"accept": "text/html"})
        assert answer.status_code in (401, 404, 405), (path, answer.status_code)
        assert answer.text != INDEX
        assert answer.headers["content-type"].startswith("application/"), path
    assert secure.get("/healthz").json()
    assert "observatory" in secure.get("/metrics").text
    assert secure.get("/schema/openapi.json").json()["info"]["title"] == "Observatory"


def test_whoami_tells_a_viewer_from_an_operator(secure: TestClient[Any], secure_settings):
    signer = signer_for(secure_settings)
    for roles, permissions in (([Role.VIEWER], ["read"]), ([Role.OPERATOR], ["read", "operate"])):
        token = signer.issue("vic", "default", roles, timedelta(minutes=5))
        me = secure.post("/graphql", json=WHOAMI, headers=bearer(token)).json()["data"]["whoami"]
        assert me == {
            "subject": "vic",
            "roles": [r.value for r in roles],
            "permissions": permissions,
        }


def test_without_a_build_the_root_says_how_to_make_one(
    tmp_path, monkeypatch, secure_settings, pg_url
):
    monkeypatch.setattr(read_api.dashboard, "DIST", tmp_path / "none")
    with TestClient(api_app(secure_settings, pg_url), raise_server_exceptions=False) as client:
        page = client.get("/")
        assert page.status_code == 503
        assert "make up" in page.text
