"""The process's log reader: each stretch of the log read once for every runner, each runner
still at its own position (in-memory store; the binary PostgreSQL path is in integration)."""

from __future__ import annotations

from typing import Any

from commands.ingest.service import Ingestor
from commands.store.log_reader import LogReader
from domain.sessions.aggregate import AgentSession
from projections.session_timeline.memory import InMemorySessionTimelineView
from projections.session_timeline.projection import SessionTimelineProjection
from tests.conftest import session_files
from tests.unit.timeline_fixtures import hook_command
from workers.projector import ProjectorRunner


def counting(app: Ingestor) -> list[tuple[int, int]]:
    """Records every (start, limit) the recorder is asked for (the real recorder answers)."""
    calls: list[tuple[int, int]] = []
    select = app.recorder.select_notifications

    def counted(start: Any, limit: int, *args: Any, **kwargs: Any) -> Any:
        calls.append((start, limit))
        return select(start, limit, *args, **kwargs)

    app.recorder.select_notifications = counted  # type: ignore[method-assign]
    return calls


def recorded(app: Ingestor, count: int = 48) -> list[tuple[int, object]]:
    texts = [p.read_text() for p in session_files()][:count]
    app.record([hook_command(t, 2 * i) for i, t in enumerate(texts)])
    found = app.recorder.select_notifications(start=1, limit=10_000)
    return [(n.id, app.mapper.to_domain_event(n)) for n in found]


def test_runners_sharing_a_reader_read_each_stretch_once_and_keep_their_own_positions():
    app = Ingestor()
    log = recorded(app)
    calls = counting(app)
    reader = LogReader(app)
    views = [InMemorySessionTimelineView() for _ in range(3)]
    runners = [ProjectorRunner(f"timeline-{i}", app, SessionTimelineProjection(), view,
                               batch_size=10, reader=reader)
               for i, view in enumerate(views)]  # fmt: skip
    for runner in runners:
        assert runner.catch_up() == log[-1][0]
    fetched = [start for start, _ in calls]
    assert len(fetched) == len(set(fetched))  # no stretch read twice
    assert views[0].events == views[1].events == views[2].events
    assert len(views[0].events) == len(
        [e for _, e in log if isinstance(e, AgentSession.HookRecorded)]
    )


def test_a_runner_behind_the_others_reads_from_its_own_position():
    app = Ingestor()
    log = recorded(app, 20)
    reader = LogReader(app, keep=5)
    ahead = reader.read(0, 10)
    assert [p for p, _ in ahead] == [p for p, _ in log[:10]]
    assert [p for p, _ in reader.read(ahead[-1][0], 10)] == [p for p, _ in log[10:20]]
    # The first stretch was dropped (keep=5); a runner still at 3 reads from 3 all the same.
    behind = reader.read(log[2][0], 4)
    assert [p for p, _ in behind] == [p for p, _ in log[3:7]]
    assert all(a is b for (_, a), (_, b) in zip(behind, reader.read(log[2][0], 4), strict=True))


def test_a_stretch_serves_later_events_only_once_they_are_read():
    app = Ingestor()
    first = recorded(app, 5)
    reader = LogReader(app)
    assert [p for p, _ in reader.read(0, 100)] == [p for p, _ in first]
    assert reader.read(first[-1][0], 100) == []  # nothing after the head yet
    texts = [p.read_text() for p in session_files()][5:8]
    app.record([hook_command(t, 100 + i) for i, t in enumerate(texts)])
    later = reader.read(first[-1][0], 100)
    assert len(later) == 3 and later[0][0] > first[-1][0]
    assert reader.head() == later[-1][0]
