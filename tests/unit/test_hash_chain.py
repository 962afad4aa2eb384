"""Every stream is hash-chained; changing or removing an event breaks the chain."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

from domain.audit.chain import GENESIS, event_digest, verify_chain
from domain.sessions.aggregate import AgentSession
from domain.sessions.hooks import HookFacts
from tests.conftest import session_files

AT = datetime(2026, 8, 18, 9, 0, tzinfo=UTC)


def corpus_events() -> list[object]:
    session = AgentSession.open("default", "3f6b2c1e-8a47-4d9b-b0e2-71c5a9d4e8f0", AT)
    for path in session_files():
        text = path.read_text()
        session.record(
            HookFacts.from_payload(json.loads(text)), text, received_at=AT, source="test"
        )
    return list(session.collect_events())


def test_a_recorded_session_chain_verifies():
    events = corpus_events()
    report = verify_chain(events)
    assert report.intact
    assert report.events == 49
    assert events[0].prev_hash == GENESIS
    assert report.head == event_digest(events[-1])


def test_an_altered_payload_breaks_the_link_from_the_next_event():
    events = corpus_events()
    events[5] = dataclasses.replace(events[5], payload_json='{"tampered": true}')
    report = verify_chain(events)
    assert [b.version for b in report.breaks] == [7]


def test_a_removed_event_is_reported():
    events = corpus_events()
    del events[10]
    report = verify_chain(events)
    assert {b.version for b in report.breaks} == {12}
    assert any("expected version 11" in b.problem for b in report.breaks)


def test_the_digest_covers_the_arrival_time():
    events = corpus_events()
    moved = dataclasses.replace(events[3], timestamp=datetime(2030, 1, 1, tzinfo=UTC))
    assert event_digest(moved) != event_digest(events[3])
