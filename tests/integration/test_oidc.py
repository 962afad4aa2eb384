"""OIDC mode: tokens of an identity provider, checked against its published keys (JWKS)
served over real HTTP; a key rotation at the provider is picked up on the next token."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from litestar.testing import TestClient

from infra.embedded.postgres import free_port
from workers.bootstrap.api import api_app

ISSUER = "https://idp.example.test/realms/acme"


class Provider:
    """An identity provider's JWKS endpoint, with keys the test can rotate."""

    def __init__(self) -> None:
        self.keys = [RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})]
        self.fetches = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                body = json.dumps(KeySet(provider.keys).as_dict(private=False)).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/protocol/openid-connect/certs"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, **claims: Any) -> str:
        """A token signed with the newest key; a claim given as None is left out."""
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": "observatory", "sub": "carol", "iat": now,
                   "exp": now + 300, "tenant": "acme", "roles": ["viewer"], **claims}  # fmt: skip
        payload = {k: v for k, v in payload.items() if v is not None}
        key = self.keys[-1]
        return jwt.encode({"alg": "RS256", "kid": key.kid}, payload, key)


@pytest.fixture
def provider() -> Iterator[Provider]:
    idp = Provider()
    yield idp
    idp.server.shutdown()
    idp.server.server_close()


@pytest.fixture
def oidc(settings, pg_url, provider):
    configured = settings.replace(
        auth_mode="oidc", oidc_issuer=ISSUER, oidc_jwks_url=provider.url,
        oidc_jwks_refresh_seconds=0,
    )  # fmt: skip
    with TestClient(api_app(configured, pg_url), raise_server_exceptions=False) as client:
        yield client


def whoami(client: TestClient[Any], token: str) -> Any:
    return client.get("/v1/auth/whoami", headers={"authorization": f"Bearer {token}"})


def test_a_provider_token_is_accepted_with_its_tenant_and_roles(oidc, provider):
    answer = whoami(oidc, provider.token(roles="viewer auditor"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["tenant"] == "acme"
    assert answer.json()["roles"] == ["auditor", "viewer"]


def test_a_rotated_provider_key_is_fetched_once(oidc, provider):
    assert whoami(oidc, provider.token()).status_code == 200
    before = provider.fetches
    provider.keys.append(RSAKey.generate_key(2048, parameters={"kid": "k2", "alg": "RS256"}))
    # Signed with k2, which the API has not seen: the unknown key id itself triggers a fetch.
    assert whoami(oidc, provider.token()).status_code == 200
    assert provider.fetches == before + 1


@pytest.mark.parametrize(
    ("claims", "detail"),
    [
        ({"tenant": None}, "no 'tenant' claim"),
        ({"aud": "another-app"}, "audience"),
        ({"iss": "https://evil.example"}, "issuer"),
        ({"exp": int(time.time()) - 3600}, "expired"),
    ],
)
def test_provider_tokens_that_do_not_fit_are_401(oidc, provider, claims, detail):
    answer = whoami(oidc, provider.token(**claims))
    assert answer.status_code == 401
    assert detail in answer.json()["detail"]
