"""GraphQL WebSockets authenticate like every request: by header, or (browsers cannot set
headers on a socket) by the connection_init payload; anything else is turned away."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient

from infra.access.principal import Role
from infra.access.tokens import signer_for
from workers.bootstrap.api import api_app

PROTOCOL = ["graphql-transport-ws"]


@pytest.fixture
def secure(secure_settings, pg_url):
    with TestClient(api_app(secure_settings, pg_url)) as client:
        yield client


def token(settings, role: Role, tenant: str = "default") -> str:
    return signer_for(settings).issue("someone", tenant, [role], timedelta(minutes=5))


def init(client, payload: dict[str, str] | None = None, headers=None) -> dict[str, object]:
    """The server's answer to connection_init: its message, or how it closed the socket."""
    try:
        with client.websocket_connect("/graphql", subprotocols=PROTOCOL, headers=headers) as ws:
            ws.send_json({"type": "connection_init", "payload": payload or {}})
            return ws.receive_json()
    except WebSocketDisconnect as closed:
        return {"closed": closed.code}


def test_a_token_in_the_connection_init_payload_is_accepted(secure, secure_settings):
    viewer = token(secure_settings, Role.VIEWER)
    assert init(secure, {"Authorization": f"Bearer {viewer}"}) == {"type": "connection_ack"}


def test_a_token_in_the_upgrade_header_is_accepted(secure, secure_settings):
    viewer = token(secure_settings, Role.VIEWER)
    message = init(secure, headers={"Authorization": f"Bearer {viewer}"})
    assert message == {"type": "connection_ack"}


@pytest.mark.parametrize("payload", [{}, {"Authorization": "Bearer not-a-token"},
                                     {"Authorization": "Basic dXNlcjpwYXNz"}])  # fmt: skip
def test_a_socket_without_a_valid_credential_is_closed(secure, payload):
    assert init(secure, payload) == {"closed": 4403}


def test_an_agent_key_cannot_subscribe(secure, secure_settings):
    admin = token(secure_settings, Role.ADMIN)
    key = secure.post("/v1/auth/keys", json={"name": "ws"},
                      headers={"Authorization": f"Bearer {admin}"}).json()["key"]  # fmt: skip
    assert init(secure, {"Authorization": f"Bearer {key}"}) == {"closed": 4403}


def test_plain_http_still_needs_a_credential(secure):
    assert secure.post("/graphql", json={"query": "{ liveCounters { events } }"}).status_code == 401
