"""The session generator: deterministic by seed, every mode present, labels consistent."""

from __future__ import annotations

import numpy as np

from ml.training.generator import MODES, generate_sessions
from ml.training.labels import failure_points, heading_for_failure


def test_the_same_seed_gives_the_same_sessions_event_for_event():
    assert generate_sessions(30, seed=3) == generate_sessions(30, seed=3)


def test_another_seed_gives_other_sessions():
    assert generate_sessions(10, seed=3) != generate_sessions(10, seed=4)


def test_every_mode_appears_and_failure_modes_fail_more_often_than_normal_work():
    sessions = generate_sessions(300, seed=11)
    assert {s.mode for s in sessions} == set(MODES)
    normal = np.mean([s.failed for s in sessions if s.mode == "normal"])
    broken = np.mean([s.failed for s in sessions if s.mode != "normal"])
    assert broken > 3 * normal


def test_sessions_follow_the_hook_catalogue_with_aware_increasing_times():
    for session in generate_sessions(20, seed=5):
        kinds = [e.kind for e in session.events]
        assert kinds[0] == "SessionStart"
        assert "UserPromptSubmit" in kinds
        times = [e.at for e in session.events]
        assert all(t.tzinfo is not None for t in times)
        assert times == sorted(times)


def test_events_before_a_failure_point_are_labelled_heading_for_failure():
    session = next(s for s in generate_sessions(100, seed=2) if s.failed)
    labels = heading_for_failure(session.events, horizon=10)
    point = session.failure_at[0]
    assert labels[max(0, point - 10) : point].all()
    assert tuple(failure_points(session.events)) == session.failure_at
