"""The embedded Valkey and NATS never outlive ``observatory up`` for long: they die with the
process that started them (kill -9 included), and one left by a dead owner is replaced at the
next start, while one whose owner is alive is reused and left alone.

Each test starts the server in a separate parent process, so it can be killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from infra.embedded.child import EmbeddedServer, accepts
from infra.embedded.nats import EmbeddedNats
from infra.embedded.redis import EmbeddedRedis
from tests.conftest import ROOT

KINDS = {"valkey": EmbeddedRedis, "nats": EmbeddedNats}

PARENT = """
import sys
from pathlib import Path
import infra.embedded.child as child
from infra.embedded.{module} import {cls}
if sys.argv[2] == "no-death-signal":  # as on macOS, or a server left by an older version
    child.die_with_parent = lambda: None
print({cls}(Path(sys.argv[1])).start(), flush=True)
sys.stdin.read()  # until the test kills us
"""


def gone(pid: int, limit: float = 15.0) -> bool:
    """Polls until ``pid`` has exited (a zombie counts: it serves nothing), up to ``limit``."""
    deadline = time.monotonic() + limit
    while True:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)  # polling a process's exit (no event to wait on for a non-child)


@contextlib.contextmanager
def parent(
    kind: str, root: Path, mode: str = "normal"
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    module, cls = {"valkey": ("redis", "EmbeddedRedis"), "nats": ("nats", "EmbeddedNats")}[kind]
    with subprocess.Popen(
        [sys.executable, "-c", PARENT.format(module=module, cls=cls), str(root), mode],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    ) as process:  # fmt: skip
        try:
            assert process.stdout is not None
            yield process, process.stdout.readline().strip()
        finally:
            process.kill()


def server_pid(server: EmbeddedServer) -> int:
    pid = server.running_pid()
    assert pid is not None, f"no live {server.name} named by {server.pid_file}"
    return pid


@pytest.fixture(params=sorted(KINDS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the death signal is Linux's")
def test_a_server_dies_when_the_process_that_started_it_is_killed(kind, tmp_path):
    with parent(kind, tmp_path / kind) as (process, url):
        pid = server_pid(KINDS[kind](tmp_path / kind))
        process.send_signal(signal.SIGKILL)
        assert gone(pid), f"{kind} (pid {pid}) outlived its parent"
    assert not accepts(int(url.rsplit(":", 1)[1].split("/")[0]))


def test_a_server_left_by_a_dead_owner_is_replaced_at_the_next_start(kind, tmp_path):
    with parent(kind, tmp_path / kind, "no-death-signal") as (process, _):
        stale = server_pid(KINDS[kind](tmp_path / kind))
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    assert psutil.Process(stale).is_running()  # the orphan a crash left behind
    server = KINDS[kind](tmp_path / kind)
    try:
        url = server.start()
        assert gone(stale, limit=0), "the stale server is stopped before the new one starts"
        fresh = server_pid(server)
        assert fresh != stale
        assert accepts(int(url.rsplit(":", 1)[1].split("/")[0]))
    finally:
        server.stop()
    assert gone(fresh)
    assert server.running_pid() is None


def test_a_server_whose_owner_is_alive_is_reused_and_left_running(kind, tmp_path):
    with parent(kind, tmp_path / kind) as (_, url):
        other = KINDS[kind](tmp_path / kind)
        pid = server_pid(other)
        assert other.start() == url
        other.stop()  # not ours to stop
        assert server_pid(KINDS[kind](tmp_path / kind)) == pid
