"""The log reader's binary path on PostgreSQL: the same events as eventsourcing's recorder
and mapper give, read once for every runner that shares it."""

from __future__ import annotations

from commands.ingest.service import Ingestor
from commands.store.log_reader import LogReader
from infra.database import connect, eventsourcing_env
from projections.session_timeline.postgres import PostgresSessionTimelineView
from projections.session_timeline.projection import SessionTimelineProjection
from tests.conftest import session_files
from tests.unit.timeline_fixtures import hook_command
from workers.projector import ProjectorRunner


def test_the_binary_read_decodes_what_the_recorder_decodes(pg_url, schema, store):
    ingestor = Ingestor(eventsourcing_env(pg_url, schema, 2))
    try:
        texts = [p.read_text() for p in session_files()]
        ingestor.record([hook_command(t, i) for i, t in enumerate(texts)])
    finally:
        ingestor.close()
    expected = [(n.id, store.mapper.to_domain_event(n))
                for n in store.recorder.select_notifications(start=1, limit=10_000)]  # fmt: skip
    reader = LogReader(store)
    got, position = [], 0
    while batch := reader.read(position, 7):  # odd size: stretches and read-ahead
        got += batch
        position = batch[-1][0]
    assert [p for p, _ in got] == [p for p, _ in expected]
    assert [(type(e), vars(e)) for _, e in got] == [(type(e), vars(e)) for _, e in expected]
    assert reader.head() == expected[-1][0]


def test_two_views_fed_by_one_reader_each_hold_every_event_once(pg_url, schema, store, db):
    ingestor = Ingestor(eventsourcing_env(pg_url, schema, 2))
    try:
        texts = [p.read_text() for p in session_files()]
        ingestor.record([hook_command(t, i) for i, t in enumerate(texts[:30])])
        reader = LogReader(store)
        with connect(pg_url, schema, autocommit=True) as first_conn:
            first = ProjectorRunner("session_timeline", store, SessionTimelineProjection(),
                                    PostgresSessionTimelineView(first_conn), batch_size=8,
                                    reader=reader)  # fmt: skip
            first.catch_up()
            ingestor.record([hook_command(t, i) for i, t in enumerate(texts[30:], 30)])
            first.catch_up()
            # A second runner of the same view, sharing the reader, finds nothing to apply;
            # one that starts over (a rebuild) reads from position 0 through the same reader.
            with connect(pg_url, schema, autocommit=True) as second_conn:
                second = ProjectorRunner("session_timeline", store, SessionTimelineProjection(),
                                         PostgresSessionTimelineView(second_conn), batch_size=8,
                                         reader=reader)  # fmt: skip
                assert second.catch_up() == first.head()
                second.rebuild()
    finally:
        ingestor.close()
    assert db.execute(
        "SELECT count(*), count(DISTINCT position) FROM timeline_events"
    ).fetchone() == (48, 48)
    assert db.execute("SELECT event_count FROM timeline_sessions").fetchone() == (48,)
