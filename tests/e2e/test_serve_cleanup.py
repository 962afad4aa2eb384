"""``serve --workers N``: the insecure-mode warning names the port it listens on, and the
temporary folder (ingest socket, per-worker metric files) is gone once it stops."""

from __future__ import annotations

import signal

from infra.embedded.postgres import free_port
from tests.e2e.processes import env, start, wait_until_ready


def test_serve_with_workers_names_its_port_and_leaves_no_temporary_folder(pg_url, schema, tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    port = free_port()
    log = tmp_path / "serve.log"
    environment = env(
        OBSERVATORY_DATABASE_URL=pg_url, OBSERVATORY_DATABASE_SCHEMA=schema,
        OBSERVATORY_DATA_DIR=str(tmp_path / "data"), TMPDIR=str(scratch),
    )  # fmt: skip
    serve = start(["serve", "--workers", "2", "--insecure-dev", "--port", str(port)],
                  environment, log)  # fmt: skip
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", serve, log)
        assert list(scratch.glob("observatory-serve-*"))  # it made one, and uses it
    finally:
        serve.send_signal(signal.SIGINT)
        code = serve.wait(60)
    output = log.read_text()
    assert code == 0, output
    assert f"anyone who can reach port {port} is an admin" in output
    assert "port 8470" not in output
    assert list(scratch.iterdir()) == [], output
