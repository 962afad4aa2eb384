"""The README's main command: `observatory up` on the embedded default, a replay of the sample
corpus, the session in GraphQL, then Ctrl-C stops everything (embedded PostgreSQL included)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from infra.embedded.postgres import free_port
from tests.conftest import S1, SESSION_DIR
from tests.e2e.processes import OBSERVATORY, env, graphql, start, wait_until_ready


@pytest.fixture
def data_dir():
    # Under /tmp and world-traversable: as root the embedded server runs as its own user.
    path = Path("/tmp") / f"observatory-up-{uuid.uuid4().hex[:8]}"
    path.mkdir(mode=0o755)
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_up_replay_query_and_ctrl_c(data_dir, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = env(OBSERVATORY_DATA_DIR=str(data_dir), OBSERVATORY_PORT=str(port))
    log = tmp_path / "up.log"
    up = start(["up"], environment, log)
    try:
        wait_until_ready(base, up, log, limit=120)
        replay = subprocess.run(
            [OBSERVATORY, "replay", str(SESSION_DIR)],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert replay.returncode == 0, replay.stderr
        assert "Posted 48 files: 48 recorded." in replay.stdout
        position = int(replay.stdout.split("minPosition: ")[1].split(")")[0])
        token = (data_dir / "auth" / "admin.token").read_text().strip()
        assert (
            httpx.post(base + "/graphql", json={"query": "{ timelinePosition }"}).status_code == 401
        )
        data = graphql(
            base,
            "query($id: String!, $p: Position) { session(id: $id, minPosition: $p) "
            "{ status eventCount subagents { agentId } } }",
            token,
            id=S1["id"],
            p=position,
        )
        assert data["session"] == {
            "status": "ENDED",
            "eventCount": 48,
            "subagents": [{"agentId": "a3f9c1e07b2d4856"}],
        }
        # Every read store of the embedded default answers (each catches up on its own).
        stores = graphql(base, "{ liveCounters { events } topTools { calls } }", token)
        assert set(stores) == {"liveCounters", "topTools"}
    finally:
        up.send_signal(signal.SIGINT)
        code = up.wait(60)
    output = log.read_text()
    assert code == 0, output
    assert "Observatory is running." in output
    key = (data_dir / "auth" / "agent.key").read_text().strip()
    assert key.startswith("obs_") and key in output  # printed for the user, and saved
    assert "Admin token (30 days" in output
    assert oct((data_dir / "auth" / "agent.key").stat().st_mode & 0o777) == "0o600"
    assert "Observatory stopped." in output
    assert "Started embedded Valkey" in output and "Started embedded NATS" in output
    assert not (data_dir / "postgres" / "pgdata" / "postmaster.pid").exists()
