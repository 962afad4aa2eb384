"""Fuzzing every door over real HTTP: one app served by uvicorn on a real database, the
contract every answer must keep, and the strategies that generate bodies.

The contract (``FuzzTarget.send``): no 5xx and no dropped connection; an answer at all (the
client gives up after ``HANG_SECONDS``, which only a hung request reaches: how fast the doors
answer is measured by ``benchmarks/decision.py`` and ``benchmarks/ingest.py``, and what the
worst bodies cost by ``benchmarks/privacy.py --worst-cases``, not asserted here); every 4xx an RFC 9457 problem document (``application/problem+json`` with
``status``, ``title`` and a stable ``reason``); a refused request changed nothing (the
event store holds no new event); and whatever was accepted, the timeline and metrics
projections can store (they are caught up after each accepted request).

Runs are reproducible (``derandomize=True``, no example database) and bounded (a fixed
``max_examples`` per door), so the whole fuzz set stays within about a minute of CI time.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from commands.store.application import EventStoreApplication
from infra.access.principal import Role
from infra.access.tokens import signer_for
from infra.database import connect, eventsourcing_env
from infra.embedded.postgres import free_port
from infra.migrate import migrate
from infra.settings import Settings
from projections.agent_metrics.postgres import PostgresAgentMetricsView
from projections.agent_metrics.projection import AgentMetricsProjection
from projections.session_timeline.postgres import PostgresSessionTimelineView
from projections.session_timeline.projection import SessionTimelineProjection
from projections.session_timeline.view import NAME
from tests.conftest import drop_schema, session_files
from tests.live import LiveServer
from workers.projector import ProjectorRunner

HANG_SECONDS = 30.0
"""How long the client waits for an answer before calling the request hung (a hang guard,
not a performance bound: a loaded 2-core CI machine answers slowly, never this slowly)."""

FUZZ = settings(
    max_examples=150,
    deadline=None,  # examples are slow on a loaded machine; a hang is caught by HANG_SECONDS
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass
class FuzzTarget:
    server: LiveServer
    http: httpx.Client
    store: EventStoreApplication
    tokens: dict[Role, str]
    projectors: list[ProjectorRunner]
    """The timeline and metrics projections, caught up after every accepted hook."""

    def stored(self) -> int:
        return self.store.recorder.max_notification_id() or 0

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        role: Role,
        content_type: str | None = "application/json",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Sends one request and checks the contract of the module docstring."""
        sent = {"authorization": f"Bearer {self.tokens[role]}"}
        if content_type is not None:
            sent["content-type"] = content_type
        sent.update(headers or {})
        before = self.stored()
        response = self.http.request(method, path, content=body, headers=sent)
        check_answer(
            f"{method} {response.request.url.path}", response.status_code,
            response.headers.get("content-type", ""), response.text,
        )  # fmt: skip
        if response.status_code >= 400:
            assert self.stored() == before, f"a refused request recorded events: {response.text}"
        elif self.stored() != before:
            for projector in self.projectors:
                projector.catch_up()  # raises if a view cannot store what was accepted
        return response


def check_answer(request: str, status: int, kind: str, text: str) -> None:
    """The contract of one answer (see the module docstring)."""
    assert status < 500, f"{request}: {status} {text[:500]}"
    if status >= 400:
        assert kind.startswith("application/problem+json"), f"{request}: {kind} {text[:500]}"
        problem = json.loads(text)
        assert problem["status"] == status, problem
        assert problem.get("title") and problem.get("reason"), problem


@pytest.fixture(scope="module")
def fuzz_target(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    """The whole app with authentication on, seeded with the sample session (projected, so
    GraphQL reads real rows), and a token per role."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    migrate(pg_url, schema)
    settings = Settings(
        database_url=pg_url, database_schema=schema, port=free_port(),
        data_dir=tmp_path_factory.mktemp("fuzz") / "data", auth_mode="local", otlp_grpc_port=0,
    )  # fmt: skip
    server = LiveServer(settings, pg_url)
    store = EventStoreApplication(eventsourcing_env(pg_url, schema, 2))
    signer = signer_for(settings)
    tokens = {role: signer.issue("fuzz", "default", [role], timedelta(hours=1)) for role in Role}
    http = httpx.Client(base_url=server.base_url, timeout=HANG_SECONDS)
    try:
        agent = {"authorization": f"Bearer {tokens[Role.AGENT]}"}
        for path in session_files():
            response = http.post("/v1/hooks/claude-code", content=path.read_bytes(), headers=agent)
            assert response.status_code == 200, response.text
        with connect(pg_url, schema, autocommit=True) as conn:
            projectors = [
                ProjectorRunner(NAME, store, SessionTimelineProjection(),
                                PostgresSessionTimelineView(conn)),
                ProjectorRunner("agent_metrics", store, AgentMetricsProjection(),
                                PostgresAgentMetricsView(conn)),
            ]  # fmt: skip
            for projector in projectors:
                projector.catch_up()
            yield FuzzTarget(server, http, store, tokens, projectors)
    finally:
        http.close()
        server.stop()
        store.close()
        drop_schema(pg_url, schema)


# --- strategies -------------------------------------------------------------------------

UNUSUAL_NUMBERS: list[Any] = [
    0, -0.0, -1, 1.5, 5e-324, 1e308, -1e308, 2**31, 2**53 + 1, 2**63, 2**64, 10**400,
    True, False, "123", "1e3", "NaN", "", None, [], {},
]  # fmt: skip
"""Values hooks must be refused for (400) or recorded with, never answered 500 for."""

RAW_NUMBERS = [
    b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e400", b"1e-400", b"1e-99999",
    b"0." + b"0" * 20_000 + b"1", b"9" * 5_000, b"-0", b"1E+2", b"0e0",
]  # fmt: skip
"""Number literals spliced into JSON text (json.dumps cannot write most of them)."""

# Every character, NUL included: the projections store whatever ingest accepts (issue 10 item 8).
TEXT = st.characters()

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**63, 10**400, -(10**100)]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(TEXT, max_size=30),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(TEXT, max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)
odd_text = st.one_of(
    st.text(TEXT, max_size=40),
    st.sampled_from(["../../etc/passwd", "a/b", "..", " ", "\u202e", "😀", "\ufeff"]),
    st.integers(1_000, 200_000).map(lambda n: "a" * n),
)


def _deep(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


@st.composite
def mutated(draw: st.DrawFn, bases: list[dict[str, Any]], fields: list[str]) -> bytes:
    """A valid body with one thing wrong: a field's value replaced (wrong type, unusual
    number, odd text, random JSON) or removed, or the JSON text itself spoiled (deep nesting,
    a NaN literal, a lone surrogate escape, a duplicate key, a huge string, cut short)."""
    base = dict(draw(st.sampled_from(bases)))
    field = draw(st.sampled_from(fields))
    how = draw(st.sampled_from(["value", "number", "text", "drop", "deep", "literal",
                                "surrogate", "duplicate", "truncate"]))  # fmt: skip
    if how == "value":
        base[field] = draw(json_values)
    elif how == "number":
        base[field] = draw(st.sampled_from(UNUSUAL_NUMBERS))
    elif how == "text":
        base[field] = draw(odd_text)
    elif how == "drop":
        base.pop(field, None)
    text = json.dumps(base).encode()
    marker = json.dumps({field: "\x00marker"})[1:-1].encode()
    spliced = {
        "deep": _deep(draw(st.sampled_from([63, 65, 1_000, 20_000]))),
        "literal": draw(st.sampled_from(RAW_NUMBERS)),
        "surrogate": draw(st.sampled_from([b'"\\ud800"', b'"\\udfff x"', b'"\\ud83d\\ude00"'])),
    }.get(how)
    if spliced is not None:
        base[field] = "\x00marker"
        text = (
            json.dumps(base).encode().replace(marker, json.dumps(field).encode() + b":" + spliced)
        )
    elif how == "duplicate":
        text = text[:-1] + b", " + json.dumps(field).encode() + b': "again"}'
    elif how == "truncate":
        text = text[: draw(st.integers(0, max(0, len(text) - 1)))]
    return text


@st.composite
def numbers_in(draw: st.DrawFn, bases: list[dict[str, Any]], fields: list[str]) -> bytes:
    """A valid body with an unusual number (or a number-like value) in one of ``fields``."""
    base = dict(draw(st.sampled_from(bases)))
    field = draw(st.sampled_from(fields))
    base[field] = "\x00slot"
    literal = draw(
        st.one_of(
            st.sampled_from(RAW_NUMBERS),
            st.sampled_from(UNUSUAL_NUMBERS).map(lambda v: json.dumps(v).encode()),
        )
    )
    return json.dumps(base).encode().replace(b'"\\u0000slot"', literal)


def raw_bodies() -> st.SearchStrategy[bytes]:
    """Bytes that are not (or not quite) JSON objects."""
    return st.one_of(
        st.binary(max_size=300),
        json_values.map(lambda value: json.dumps(value).encode()),
        st.text(TEXT, max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
    )


def corpus_hooks() -> list[dict[str, Any]]:
    return [json.loads(path.read_bytes()) for path in session_files()]
