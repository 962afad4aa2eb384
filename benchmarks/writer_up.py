"""`observatory up` with the ingest writer in the API's process (a thread) vs its own child.

Same run, interleaved (thread, child, thread, child …), each `up` started as the README says
(fresh data dir, embedded PostgreSQL, every worker running: nothing paused), then wrk with
benchmarks/hooks.lua (one PreToolUse per request over 256 sessions, keep-alive, every answer
after commit) at each client count, after a short warm-up. The layout is chosen with
``OBSERVATORY_UP_WRITER`` (``thread`` or ``process``), which `up` reads for this comparison.

    cd benchmarks && PYTHONPATH=.. python writer_up.py --rounds 2 --seconds 5
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import up_server
from load import HOOKS_LUA, CpuSampler, free_port, summary, wrk
from up_server import observatory_up

WARM_SECONDS = 2


def measure(mode: str, work: Path, clients: list[int], seconds: int) -> list[dict[str, object]]:
    plain = up_server._env  # the harness strips OBSERVATORY_*: add ours back
    up_server._env = lambda data_dir: {**plain(data_dir), "OBSERVATORY_UP_WRITER": mode}
    try:
        with observatory_up(work / f"data-{mode}-{free_port()}", free_port()) as up:
            env = {"BENCH_SESSIONS": "256", "BENCH_AUTH": up.key}
            db = up.database()
            sampler = CpuSampler(up.process.pid, db.pid if db else None)
            wrk(HOOKS_LUA, up.base, 16, WARM_SECONDS, dict(env, BENCH_RUN=f"{mode}-warm"))
            runs: list[dict[str, object]] = []
            for n in clients:
                sampler.start()
                run = wrk(HOOKS_LUA, up.base, n, seconds, dict(env, BENCH_RUN=f"{mode}-{n}"))
                runs.append({"writer": mode, "clients": n, **summary(run),
                             "cpu_percent": sampler.stop()})  # fmt: skip
                print(json.dumps(runs[-1]), flush=True)
        print(f"# {mode}: stopped {up.stopped}", flush=True)
        return runs
    finally:
        up_server._env = plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--clients", default="1,16")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    work = Path(tempfile.mkdtemp(prefix="observatory-writer-up-"))
    results: list[dict[str, object]] = []
    try:
        for _ in range(args.rounds):
            for mode in ("thread", "process"):
                results += measure(mode, work, clients, args.seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("writer   clients  events/s  p50 ms  p99 ms  non-2xx")
    for r in results:
        print(f"{r['writer']:<8} {r['clients']:>7}  {r['events_per_s']:>8}  {r['p50_ms']:>6.2f}"
              f"  {r['p99_ms']:>6.1f}  {r['non_2xx']:>7}")  # fmt: skip
    for n in clients:
        mean = {m: sum(float(str(r["events_per_s"])) for r in results
                       if r["writer"] == m and r["clients"] == n) / args.rounds
                for m in ("thread", "process")}  # fmt: skip
        print(f"{n} clients: child ÷ thread = {mean['process'] / max(mean['thread'], 1):.2f}")


if __name__ == "__main__":
    main()
