"""Adapters of the views that have more than one, as fixtures parametrized over them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.database import connect
from projections.session_timeline.memory import InMemorySessionTimelineView
from projections.session_timeline.postgres import PostgresSessionTimelineView
from tests.contract.timeline_views import TimelineUnderTest, memory_rows, postgres_rows


@pytest.fixture(params=["memory", "postgres"])
def timeline_view(request: pytest.FixtureRequest) -> Iterator[TimelineUnderTest]:
    if request.param == "memory":
        memory = InMemorySessionTimelineView()
        yield TimelineUnderTest(memory, lambda: memory_rows(memory), checked_against_memory=False)
        return
    pg_url, schema = request.getfixturevalue("pg_url"), request.getfixturevalue("schema")
    with connect(pg_url, schema, autocommit=True) as conn:
        view = PostgresSessionTimelineView(conn)
        yield TimelineUnderTest(view, lambda: postgres_rows(conn), checked_against_memory=True)
