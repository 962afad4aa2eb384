"""The ingest writer process loads no web stack: it only commits, and every module it loads
costs start-up time and memory on the host that runs it beside N API workers.

Each check runs the real entry point (``python -P -m workers.cli ingest-writer``'s command)
in a fresh interpreter and stops it where it would start serving, then reads
``sys.modules``. (import-linter holds the same rule for the modules' import graph.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

WEB_STACK = ["litestar", "strawberry", "uvicorn", "grpc", "read_api", "write_api"]

PROBE = """
import asyncio, json, sys

def loaded(coroutine):  # where the writer would start serving: report, and stop
    coroutine.close()
    roots = {name.split(".")[0] for name in sys.modules}
    print(json.dumps(sorted(roots & set(sys.argv[1:]))))
    raise SystemExit(0)

asyncio.run = loaded
from workers.cli import main
main(%s, prog_name="observatory")
"""


def loaded_web_modules(arguments: list[str], data_dir: Path) -> list[str]:
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "OBSERVATORY_DATA_DIR": str(data_dir),
        # never reached: the probe stops before anything connects
        "OBSERVATORY_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
    }
    done = subprocess.run(
        [sys.executable, "-P", "-c", PROBE % json.dumps(arguments), *WEB_STACK],
        env=environment, cwd=data_dir, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_the_ingest_writer_process_imports_no_web_stack(tmp_path: Path) -> None:
    arguments = ["ingest-writer", "--socket", str(tmp_path / "ingest.sock")]
    assert loaded_web_modules(arguments, tmp_path) == []


def test_the_probe_sees_the_web_stack_where_it_is_loaded(tmp_path: Path) -> None:
    """The same probe on a process that builds the API app finds it (the check can fail)."""
    probe = (
        "import sys, json\n"
        "from workers.bootstrap.api import api_app\n"
        "print(json.dumps(sorted({n.split('.')[0] for n in sys.modules} & set(sys.argv[1:]))))"
    )
    done = subprocess.run(
        [sys.executable, "-P", "-c", probe, *WEB_STACK],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=tmp_path,
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert set(json.loads(done.stdout)) >= {"litestar", "strawberry", "read_api", "write_api"}
