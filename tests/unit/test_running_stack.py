"""The record a running `up` leaves for other terminals: found while its process lives,
ignored once it is gone, removed when `up` stops, and never wins over the environment."""

from __future__ import annotations

import json
import subprocess
import sys

from infra.settings import Settings
from workers.cli.running import RECORD, not_configured, recorded, running_stack, with_running_stack


def test_another_terminal_finds_the_servers_up_started(tmp_path):
    settings = Settings(data_dir=tmp_path)
    with recorded(tmp_path, redis_url="redis://127.0.0.1:1/0", nats_url="nats://127.0.0.1:2"):
        assert oct((tmp_path / RECORD).stat().st_mode & 0o777) == "0o600"
        found = with_running_stack(settings)
        assert (found.redis_url, found.nats_url) == ("redis://127.0.0.1:1/0", "nats://127.0.0.1:2")
        mine = with_running_stack(settings.replace(redis_url="redis://elsewhere:6379/0"))
        assert mine.redis_url == "redis://elsewhere:6379/0"  # the environment wins
    assert not (tmp_path / RECORD).exists()
    assert with_running_stack(settings).redis_url is None
    assert "`observatory up` is not running" in not_configured(settings, "OBSERVATORY_REDIS_URL")


def test_the_record_of_an_up_that_died_is_ignored(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    (tmp_path / RECORD).parent.mkdir()
    record = {"pid": int(gone.stdout), "redis_url": "redis://127.0.0.1:1/0", "nats_url": None}
    (tmp_path / RECORD).write_text(json.dumps(record))
    assert running_stack(tmp_path) is None
    assert with_running_stack(Settings(data_dir=tmp_path)).redis_url is None
