"""Durable hook ingest over HTTP, beside two baselines measured in the same run.

What it measures (one event per request, every response sent after its commit):
  * events/s and client-side latency p50/p99 at each concurrency (wrk, keep-alive);
  * baseline 1: raw psycopg COPY of the same number of rows into a table shaped like the
    event table (the physical ceiling of the database on this machine);
  * baseline 2: a trivial Litestar endpoint (GET /healthz) served by the same processes (the
    HTTP ceiling of the web stack on this machine);
  * CPU used by the API processes, PostgreSQL and the load generator during each run;
  * that the store holds exactly one event per 2xx response.

Usage:
  python benchmarks/ingest.py [--database-url URL] [--workers 2] [--clients 16,64]
                              [--seconds 15] [--idempotency-keys]
Needs wrk (apt-get install -y wrk) and a PostgreSQL (default: the machine's on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server import agent_key

from infra.embedded.postgres import free_port
from infra.migrate import migrate

RESULT = re.compile(r"RESULT (.*)")


def wrk(
    script: Path, url: str, clients: int, seconds: int, env: dict[str, str] | None = None
) -> dict[str, int]:
    """Runs wrk; the result includes the CPU time wrk itself used (cpu_ms)."""
    proc = subprocess.Popen(
        ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "-s", str(script), url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    stdout, stderr = proc.communicate()
    match = RESULT.search(stdout)
    if not match:
        raise RuntimeError(stdout + stderr)
    found = {k: int(v) for k, v in (item.split("=") for item in match.group(1).split())}
    usage = psutil.Process().cpu_times()  # children's times include the finished wrk
    found["children_cpu_ms"] = int((usage.children_user + usage.children_system) * 1000)
    return found


class CpuSampler:
    """CPU used per process group (API server tree, PostgreSQL, wrk) between start() and stop()."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.before: dict[tuple[str, int], float] = {}

    def _snapshot(self) -> dict[tuple[str, int], float]:
        found = {}
        server = psutil.Process(self.server_pid)
        api = {server.pid, *(p.pid for p in server.children(recursive=True))}
        for proc in psutil.process_iter(["name"]):
            try:
                group = (
                    "api"
                    if proc.pid in api
                    else "postgres"
                    if proc.info["name"] == "postgres"
                    else None
                )
                if group:
                    times = proc.cpu_times()
                    found[(group, proc.pid)] = times.user + times.system
            except psutil.Error:
                continue
        me = psutil.Process().cpu_times()
        found[("wrk", 0)] = me.children_user + me.children_system
        return found

    def start(self) -> None:
        self.before = self._snapshot()
        self.started = time.perf_counter()

    def stop(self) -> dict[str, float]:
        after = self._snapshot()
        elapsed = time.perf_counter() - self.started
        used: dict[str, float] = {}
        for (group, pid), seconds in after.items():
            used[group] = used.get(group, 0.0) + seconds - self.before.get((group, pid), 0.0)
        return {group: round(100 * seconds / elapsed) for group, seconds in used.items()}


def copy_baseline(url: str, schema: str, rows: int, state: bytes) -> float:
    with psycopg.connect(url, options=f"-c search_path={schema}") as conn:
        conn.execute("CREATE TABLE copy_baseline (LIKE observatory_events INCLUDING ALL)")
        conn.commit()
        ids = [uuid.uuid4() for _ in range(rows)]
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY copy_baseline (originator_id, originator_version, topic, state) FROM STDIN"
            ) as copy,
        ):
            for i in range(rows):
                copy.write_row(
                    (ids[i], 1, "domain.sessions.aggregate:AgentSession.ToolCallRequested", state)
                )
        conn.commit()
        return rows / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "OBSERVATORY_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", default="16,64")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="serve with authentication off (--insecure-dev), to measure what auth costs",
    )
    parser.add_argument(
        "--idempotency-keys",
        action="store_true",
        help="send an Idempotency-Key with every request (as the shim does)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")

    schema = f"bench_{int(time.time())}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    migrate(args.database_url, schema)
    key = agent_key(args.database_url, schema)
    # Server settings come from OBSERVATORY_* in this environment (e.g. OBSERVATORY_INGEST_LINGER_MS);
    # the database and port are the benchmark's own.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OBSERVATORY_DATABASE_URL", "OBSERVATORY_PORT")
    }
    env.update(
        OBSERVATORY_DATABASE_URL=args.database_url,
        OBSERVATORY_DATABASE_SCHEMA=schema,
        OBSERVATORY_PORT=str(port),
        OBSERVATORY_LOG_LEVEL="warning",
        OBSERVATORY_DATA_DIR=f"/tmp/observatory-{schema}",
    )
    if args.insecure:
        env["OBSERVATORY_AUTH_MODE"] = "insecure"
    wrk_env = dict(os.environ, BENCH_AUTH=key)
    if args.idempotency_keys:
        wrk_env["BENCH_KEYS"] = "1"
    script = ROOT / "benchmarks" / "hooks.lua"
    observatory = str(Path(sys.executable).with_name("observatory"))
    server = subprocess.Popen([observatory, "serve", "--workers", str(args.workers)], env=env)
    results: dict[str, object] = {}
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        with psycopg.connect(args.database_url) as conn:
            settings = {
                name: conn.execute(f"SHOW {name}").fetchone()[0]
                for name in ("fsync", "synchronous_commit", "wal_sync_method")
            }
        print(f"PostgreSQL durability: {settings}")
        warm = wrk(script, base, 16, 3, wrk_env)  # warm up: sessions cached, plans prepared
        ok = warm["requests"] - warm["errors_status"]
        sampler = CpuSampler(server.pid)
        sampler.start()
        health = wrk(ROOT / "benchmarks" / "healthz.lua", base, 64, max(5, args.seconds // 2),
                     wrk_env)  # fmt: skip
        health_cpu = sampler.stop()
        results["healthz"] = {
            "requests_per_s": round(health["requests"] / health["duration_us"] * 1e6),
            "p99_ms": health["p99_us"] / 1000,
            "cpu_percent": health_cpu,
        }
        runs = []
        for clients in (int(c) for c in args.clients.split(",")):
            sampler.start()
            run = wrk(script, base, clients, args.seconds, wrk_env)
            ok += run["requests"] - run["errors_status"]
            cpu = sampler.stop()
            runs.append(
                {
                    "clients": clients,
                    "events_per_s": round(run["requests"] / run["duration_us"] * 1e6),
                    "p50_ms": run["p50_us"] / 1000,
                    "p99_ms": run["p99_us"] / 1000,
                    "non_2xx": run["errors_status"],
                    "socket_errors": run["errors_connect"] + run["errors_timeout"],
                    "cpu_percent": cpu,
                }
            )
            print(json.dumps(runs[-1]))
        results["ingest"] = runs
        metrics = httpx.get(base + "/metrics").text
        batches = {
            m.group(1): float(m.group(2))
            for m in re.finditer(
                r"^observatory_ingest_batch_size_(sum|count) (\S+)$", metrics, re.M
            )
        }
        results["mean_batch"] = round(batches.get("sum", 0) / max(batches.get("count", 1), 1), 1)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    with psycopg.connect(args.database_url, options=f"-c search_path={schema}") as conn:
        stored = conn.execute(
            "SELECT count(*) FROM observatory_events WHERE topic LIKE '%ToolCallRequested'"
        ).fetchone()[0]
        sample = conn.execute(
            "SELECT state FROM observatory_events WHERE topic LIKE '%ToolCallRequested' LIMIT 1"
        ).fetchone()[0]
    results["stored_events"] = stored
    results["acknowledged"] = ok
    # wrk stops at its deadline without counting requests still in flight: those may be
    # committed, so the store may hold up to one more event per open connection per run.
    slack = 16 + sum(r["clients"] for r in runs)
    results["store_matches_acks"] = ok <= stored <= ok + slack
    copy_rows = 100_000
    results["copy_rows_per_s"] = round(
        copy_baseline(args.database_url, schema, copy_rows, bytes(sample))
    )
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")

    results["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "workers": args.workers,
        "idempotency_keys": args.idempotency_keys,
    }
    print("\n| clients | events/s | p50 ms | p99 ms | ratio to COPY | CPU % (api/pg/wrk) |")
    print("|---|---|---|---|---|---|")
    for run in runs:
        cpu = run["cpu_percent"]
        print(
            f"| {run['clients']} | {run['events_per_s']:,} | {run['p50_ms']:.1f} | {run['p99_ms']:.1f} | "
            f"{run['events_per_s'] / results['copy_rows_per_s']:.3f} | "
            f"{cpu.get('api', 0)}/{cpu.get('postgres', 0)}/{cpu.get('wrk', 0)} |"
        )
    print(
        f"\nCOPY baseline: {results['copy_rows_per_s']:,} rows/s; "
        f"GET /healthz: {results['healthz']['requests_per_s']:,} requests/s; "
        f"mean batch {results['mean_batch']} events per transaction; "
        f"{ok} acknowledged, {stored} stored "
        f"({'consistent' if results['store_matches_acks'] else 'MISMATCH'})."
    )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"ingest-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"Full results: {path}")


if __name__ == "__main__":
    main()
