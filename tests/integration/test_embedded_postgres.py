"""The embedded PostgreSQL starts as a child process (as root: as its own user), is reused
while running, and stops cleanly; as root it also runs from a venv in a folder nobody else can
enter (a clone in /root) without opening that folder up."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest

from infra.embedded.postgres import EmbeddedPostgres, EmbeddedPostgresError
from tests.private_wheel import private_install


@pytest.fixture
def root():
    path = Path("/tmp") / f"observatory-pg-{uuid.uuid4().hex[:8]}"
    path.mkdir(mode=0o755)
    os.chmod(path, 0o755)
    yield path
    EmbeddedPostgres(path / "postgres").stop()
    shutil.rmtree(path, ignore_errors=True)


def test_it_starts_answers_is_reused_and_stops(root):
    server = EmbeddedPostgres(root / "postgres")
    url = server.start()
    with psycopg.connect(url) as conn:
        user, fsync = conn.execute("SELECT current_user, current_setting('fsync')").fetchone()
    assert (user, fsync) == ("postgres", "on")
    assert EmbeddedPostgres(root / "postgres").start() == url  # running: reused, same port
    if os.geteuid() == 0:
        assert (root / "postgres" / "pgdata").owner() == "observatory"
        mode = Path("/root").stat().st_mode & 0o777 if Path("/root").exists() else None
        assert mode is None or not mode & 0o005, "the user's home must not be opened up"
    server.stop()
    assert server.running_port() is None


@pytest.mark.skipif(os.geteuid() != 0, reason="the refusal only applies to root")
def test_as_root_a_data_dir_others_cannot_enter_is_refused_with_advice(tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    with pytest.raises(EmbeddedPostgresError, match="outside /root"):
        EmbeddedPostgres(private / "postgres").start()


@pytest.fixture
def private_venv(tmp_path):
    home = tmp_path / "home"
    return home, private_install(home)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")
def test_as_root_a_venv_others_cannot_enter_still_runs_and_stays_closed(root, private_venv):
    home, install = private_venv
    server = EmbeddedPostgres(root / "postgres", install=install)
    url = server.start()
    try:
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("postgres",)
        assert oct(home.stat().st_mode & 0o777) == "0o700", "the private folder was opened up"
        assert EmbeddedPostgres(root / "postgres", install=install).start() == url
    finally:
        server.stop()
    assert server.running_port() is None
