"""The dashboard in the browser (issue 15's targets): Fleet page interactive with 1,000
sessions, a new hook visible on an open Fleet page after its answer (p50/p95), a session of
10,000 events (first paint, all loaded, frames while scrolling).

Starts `observatory up` as the README does (fresh data dir, benchmarks/up_server.py), then runs
``dashboard/bench`` in Debian's headless chromium through Playwright; prints the figures.
Needs the dashboard built and its node modules (``make up`` or ``make test`` did both).

    .venv/bin/python benchmarks/dashboard.py [--sessions 1000] [--events 10000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks.up_server import observatory_up
from infra.embedded.postgres import free_port

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--hooks", type=int, default=50, help="hooks timed to the Fleet page")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="obs-dash-"))
    try:
        measure(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(args: argparse.Namespace, tmp: Path) -> None:
    with observatory_up(tmp / "data", free_port()) as up:
        admin = next(up.data_dir.rglob("admin.token")).read_text().strip()
        env = {
            **os.environ, "OBS_BASE_URL": up.base, "OBS_ADMIN_TOKEN": admin,
            "OBS_AGENT_KEY": up.key, "OBS_SESSIONS": str(args.sessions),
            "OBS_EVENTS": str(args.events), "OBS_LATENCY_HOOKS": str(args.hooks),
            "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
        }  # fmt: skip
        run = subprocess.run(
            ["npx", "--no-install", "playwright", "test", "-c", "bench/playwright.config.ts"],
            cwd=ROOT / "dashboard", env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        for line in run.stdout.splitlines():
            if "BENCH " in line or "✘" in line or "Error" in line:
                print(line.strip().removeprefix("BENCH "))
        if run.returncode != 0:
            print(run.stdout[-4000:], run.stderr[-2000:])
            raise SystemExit(run.returncode)


if __name__ == "__main__":
    main()
