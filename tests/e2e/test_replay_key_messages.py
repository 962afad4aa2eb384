"""``observatory replay`` says whether it sent no key at all or a key that was refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import SESSION_DIR
from tests.e2e.processes import OBSERVATORY, env
from tests.e2e.test_shim import secure_server  # noqa: F401 - a fixture


def replay(base_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OBSERVATORY, "replay", str(SESSION_DIR), "--url", base_url, "--quiet", *args],
        env=env(OBSERVATORY_DATA_DIR=str(data_dir)), capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


def test_without_a_key_replay_says_none_was_found_and_where_it_looked(secure_server, tmp_path):  # noqa: F811
    result = replay(secure_server.base_url, tmp_path)
    assert result.returncode == 1
    assert "no agent key found" in result.stderr
    assert str(tmp_path / "auth" / "agent.key") in result.stderr
    assert "refused the agent key" not in result.stderr


def test_a_wrong_key_is_said_to_be_refused_and_where_it_came_from(secure_server, tmp_path):  # noqa: F811
    result = replay(secure_server.base_url, tmp_path, "--key", "obs_wrong")
    assert result.returncode == 1
    assert "refused the agent key from --key (401" in result.stderr
