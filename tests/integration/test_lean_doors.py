"""The lean ingest doors (``write_api.doors``) answer exactly as the Litestar route they stand in
for, and are the ones that serve the exact ingest paths.

The route stays reachable with a trailing slash (Litestar normalises it), which the doors leave
to Litestar: the same request to both gives the same status, headers and problem document.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from infra.access.principal import Role
from infra.access.tokens import signer_for
from tests.conftest import SESSION_DIR
from workers.bootstrap.api import api_app
from write_api.doors import IngestDoors

PROMPT = json.loads((SESSION_DIR / "003_UserPromptSubmit.json").read_bytes())
HOOK = "/v1/hooks/claude-code"
ENVELOPES = "/events"
# Headers whose value differs between two answers to the same request by design.
VARYING = {"server-timing", "observatory-position", "date"}


@pytest.fixture
def secure(secure_settings: Any, pg_url: str) -> Iterator[tuple[TestClient[Any], list[str]]]:
    """A client on the secure app, and the paths that reached Litestar's stack."""
    app = api_app(secure_settings, pg_url)
    doors = app.asgi_handler
    assert isinstance(doors, IngestDoors)
    assert set(doors.doors) == {HOOK, ENVELOPES}
    reached: list[str] = []
    inner = doors.inner

    async def spy(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])
        await inner(scope, receive, send)

    doors.inner = spy
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, reached


def _key(client: TestClient[Any], admin: str, role: str) -> str:
    response = client.post("/v1/auth/keys", json={"name": "doors", "role": role},
                           headers={"authorization": f"Bearer {admin}"})  # fmt: skip
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


def _same(door: Any, route: Any) -> None:
    assert door.status_code == route.status_code, (door.text, route.text)
    assert {k: v for k, v in door.headers.items() if k not in VARYING} == {
        k: v for k, v in route.headers.items() if k not in VARYING
    }
    if door.headers.get("content-type", "").endswith("json") and door.content:
        body, other = door.json(), route.json()
        body.pop("position", None), other.pop("position", None)
        assert body == other
    else:
        assert door.content == route.content


def test_a_door_answers_every_case_as_the_route_does(secure, secure_settings):
    client, reached = secure
    admin = signer_for(secure_settings).issue("ops", "default", [Role.ADMIN], timedelta(minutes=5))
    agent = {"authorization": f"Bearer {_key(client, admin, 'agent')}"}
    viewer = {"authorization": f"Bearer {_key(client, admin, 'viewer')}"}
    reached.clear()
    large = b'{"session_id": "' + b"x" * (secure_settings.max_body_bytes + 1) + b'"}'
    cases: list[tuple[str, bytes, dict[str, str]]] = []
    for n, path in enumerate((HOOK, ENVELOPES)):
        hook = {**PROMPT, "prompt": f"door case {n}"}
        body = hook if path == HOOK else {"source_app": "t", "session_id": hook["session_id"],
                                          "hook_event_type": "UserPromptSubmit", "payload": hook}  # fmt: skip
        cases += [
            (path, json.dumps(body).encode(), agent),  # recorded
            (path, b"", {}),  # 401: no credential
            (path, b"{}", {"authorization": "Bearer obs_nope_nope"}),  # 401: unknown key
            (path, json.dumps(body).encode(), viewer),  # 403
            (path, b'{"a": 1, "a": 2}', agent),  # 400 duplicate keys
            (path, b"{", agent),  # 400 invalid JSON
            (path, b'{"session_id": "s"}', agent),  # 400 not a hook / missing fields
            (path, large, agent),  # 413
            (path, json.dumps(body).encode(), {**agent, "idempotency-key": "bad key"}),  # 400
        ]
    statuses = set()
    for path, body, extra in cases:
        headers = {"content-type": "application/json", **extra}
        door = client.post(path, content=body, headers=headers)
        route = client.post(path + "/", content=body, headers=headers)
        _same(door, route)
        statuses.add(door.status_code)
    assert statuses == {200, 400, 401, 403, 413}
    # Only the trailing-slash requests went through Litestar's stack.
    assert reached == [path + "/" for path, _, _ in cases]


def test_other_methods_and_paths_still_go_to_litestar(secure):
    client, reached = secure
    assert client.get(HOOK).status_code == 405
    assert client.get("/healthz").status_code == 200
    assert reached == [HOOK, "/healthz"]
