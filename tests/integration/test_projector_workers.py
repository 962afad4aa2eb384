"""Projection workers: one leads, the other stands by; every event is applied exactly once."""

from __future__ import annotations

import threading

from commands.ingest.service import Ingestor
from infra.database import eventsourcing_env
from projections.session_timeline.view import NAME
from tests.conftest import session_files
from tests.unit.timeline_fixtures import hook_command
from workers.bootstrap.projections import PROJECTIONS
from workers.bootstrap.projectors import worker


def wait_for_position(db, position: int) -> None:
    """Blocks on the projector's NOTIFY until the stored position reaches ``position``."""
    db.execute("LISTEN observatory_projections")
    while True:
        # No row yet: no worker has started (it creates the row with its view).
        row = db.execute(
            "SELECT position FROM projection_positions WHERE name = %s", (NAME,)
        ).fetchone()
        if row is not None and row[0] >= position:
            return
        for _ in db.notifies(timeout=10, stop_after=1):
            pass


def test_two_workers_apply_each_event_once_and_the_standby_takes_over(
    pg_url, schema, settings, store, db
):
    ingestor = Ingestor(eventsourcing_env(pg_url, schema, 2))
    texts = [p.read_text() for p in session_files()]
    stop_first, stop_second = threading.Event(), threading.Event()
    first = worker(PROJECTIONS[NAME], settings, pg_url, store)
    second = worker(PROJECTIONS[NAME], settings, pg_url, store)
    threads = [
        threading.Thread(target=first.run, args=(stop_first,)),
        threading.Thread(target=second.run, args=(stop_second,)),
    ]
    for thread in threads:
        thread.start()
    try:
        receipts = ingestor.record([hook_command(t, i) for i, t in enumerate(texts[:24])])
        wait_for_position(db, receipts[-1].position)
        stop_first.set()  # the leader (whichever it is) may go; the other must finish the job
        threads[0].join()
        receipts = ingestor.record([hook_command(t, i) for i, t in enumerate(texts[24:], 24)])
        wait_for_position(db, receipts[-1].position)
    finally:
        stop_first.set()
        stop_second.set()
        for thread in threads:
            thread.join()
        ingestor.close()
    assert db.execute(
        "SELECT count(*), count(DISTINCT position) FROM timeline_events"
    ).fetchone() == (48, 48)
    assert db.execute("SELECT event_count FROM timeline_sessions").fetchone() == (48,)
