"""The supervisor of ``up``'s children, on real child processes: a child that exits is
restarted (its exit code logged), every line carries its role, a JSON line keeps being one
JSON object, and ``stop`` ends every child."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import time

import pytest

from workers.supervisor import ChildSpec, Supervisor

CRASHING = "print('starting', flush=True); raise SystemExit(3)"
SERVING = "import json, time; print(json.dumps({'event': 'up'}), flush=True); time.sleep(600)"


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def run_until(supervisor: Supervisor, done, limit: float = 20.0) -> None:
    """Runs the supervisor on this thread until ``done()`` (or fails after ``limit``)."""
    deadline = time.monotonic() + limit

    def tick() -> None:
        if done() or time.monotonic() > deadline:
            supervisor.stopping.set()

    supervisor.start()
    try:
        supervisor.run(tick, interval=0.02)
    finally:
        supervisor.stop()
    assert done(), "the condition never held"


def test_a_child_that_exits_is_restarted_and_its_lines_are_prefixed(caplog):
    output = io.StringIO()
    supervisor = Supervisor([ChildSpec("crashy", python(CRASHING), dict(os.environ))],
                            output=output)  # fmt: skip
    with caplog.at_level(logging.ERROR, logger="observatory.supervisor"):
        run_until(supervisor, lambda: output.getvalue().count("starting") >= 2)
    assert output.getvalue().splitlines()[:2] == ["crashy  | starting", "crashy  | starting"]
    restarts = [r.getMessage() for r in caplog.records]
    assert restarts[0] == "crashy exited with code 3; restarting it in 0.5 s", restarts


def test_stop_ends_every_child_and_json_lines_stay_json():
    output = io.StringIO()
    supervisor = Supervisor([ChildSpec("api", python(SERVING), dict(os.environ)),
                             ChildSpec("project", python(SERVING), dict(os.environ))],
                            output=output, json_logs=True, grace=10)  # fmt: skip
    run_until(supervisor, lambda: output.getvalue().count("\n") >= 2)
    lines = sorted(json.loads(line)["role"] for line in output.getvalue().splitlines())
    assert lines == ["api", "project"]
    codes = [child.process.returncode for child in supervisor._children]
    assert codes == [-15, -15]  # SIGTERM, sent by stop


@pytest.mark.parametrize(("failures", "delay"), [(0, 0.5), (1, 1.0), (3, 4.0), (10, 30.0)])
def test_backoff_doubles_up_to_thirty_seconds(failures, delay, caplog):
    supervisor = Supervisor([ChildSpec("c", python(CRASHING), dict(os.environ))])
    child = supervisor._children[0]
    child.failures = failures
    supervisor._spawn(child)
    child.process.wait(20)
    with caplog.at_level(logging.ERROR, logger="observatory.supervisor"):
        supervisor._check(child, child.started + 1)
    supervisor.stop()
    assert caplog.records[-1].getMessage().endswith(f"in {delay:.1f} s")


def test_a_child_with_a_start_condition_starts_once_it_holds():
    output = io.StringIO()
    ready: list[bool] = []
    supervisor = Supervisor(
        [ChildSpec("first", python(SERVING), dict(os.environ)),
         ChildSpec("later", python(SERVING), dict(os.environ), start_when=lambda: bool(ready))],
        output=output, json_logs=True,
    )  # fmt: skip

    def first_then_later() -> bool:
        roles = [json.loads(line)["role"] for line in output.getvalue().splitlines()]
        if roles == ["first"] and not ready:
            assert supervisor._children[1].process is None  # not started before it holds
            ready.append(True)  # the second starts only now
        return roles == ["first", "later"]

    run_until(supervisor, first_then_later)
