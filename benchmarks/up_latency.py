"""One agent's ``PreToolUse`` round trip under ``observatory up``, as the README starts it.

Starts a fresh ``observatory up`` (new data dir, embedded PostgreSQL, Valkey and NATS), waits
until it answers, then sends N sequential ``PreToolUse`` hooks (Bash ``npm test -- --run i``)
over one keep-alive httpx connection with the agent key ``up`` saved, and prints p50 / p99 of
the client-side round trip. ``--tree`` runs the code of another checkout (e.g. the commit
before a change), so both figures come from the same run, back to back:

  python benchmarks/up_latency.py --tree /tmp/before --tree . [--hooks 500]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
OBSERVATORY = str(Path(sys.executable).with_name("observatory"))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure(tree: Path, hooks: int, warmup: int) -> dict[str, float]:
    data_dir = Path("/tmp") / f"observatory-bench-up-{uuid.uuid4().hex[:8]}"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)  # as root the embedded PostgreSQL runs as its own user
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OBSERVATORY_")}
    environment |= {"OBSERVATORY_DATA_DIR": str(data_dir), "OBSERVATORY_PORT": str(port),
                    "OBSERVATORY_LOG_LEVEL": "warning", "PYTHONPATH": str(tree.resolve())}  # fmt: skip
    log = data_dir.with_suffix(".log")
    with log.open("wb") as handle:
        up = subprocess.Popen([OBSERVATORY, "up"], env=environment, stdout=handle,
                              stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while "Press Ctrl-C to stop." not in log.read_text():
            if up.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log.read_text())
            time.sleep(0.2)
        key = (data_dir / "auth" / "agent.key").read_text().strip()
        times = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as http:
            for i in range(warmup + hooks):
                body = {"session_id": f"bench-{i % 256}", "hook_event_name": "PreToolUse",
                        "tool_name": "Bash", "tool_use_id": f"t-{i}", "cwd": "/repo",
                        "tool_input": {"command": f"npm test -- --run {i}"}}  # fmt: skip
                started = time.perf_counter()
                response = http.post("/v1/hooks/claude-code", content=json.dumps(body))
                elapsed = time.perf_counter() - started
                assert response.status_code == 200, response.text
                if i >= warmup:
                    times.append(elapsed * 1000)
    finally:
        os.killpg(up.pid, signal.SIGINT)
        up.wait(120)
        shutil.rmtree(data_dir, ignore_errors=True)
        log.unlink(missing_ok=True)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p99": times[int(len(times) * 0.99) - 1],
        "mean": statistics.fmean(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, action="append", default=[])
    parser.add_argument("--hooks", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    results = []
    for tree in args.tree or [ROOT]:
        result = measure(tree, args.hooks, args.warmup)
        results.append({"tree": str(tree.resolve()), "hooks": args.hooks, **result})
        print(f"{tree}: {args.hooks} sequential PreToolUse, p50 {result['p50']:.2f} ms, "
              f"p99 {result['p99']:.2f} ms, mean {result['mean']:.2f} ms", flush=True)  # fmt: skip
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / f"up-latency-{datetime.now(UTC):%Y%m%dT%H%M%S}.json").write_text(
        json.dumps(results, indent=2)
    )


if __name__ == "__main__":
    main()
