"""Durable hook ingest over HTTP, beside baselines measured in the same run.

What it measures (one event per request, every response sent after its commit):
  * events/s and client-side latency p50/p99 at each concurrency (wrk, keep-alive);
  * baseline 1: raw psycopg COPY of the same number of rows into a table shaped like the
    event table (the physical ceiling of the database on this machine);
  * baseline 2: a trivial Litestar endpoint (GET /healthz) served by the same processes (the
    HTTP ceiling of the web stack on this machine);
  * CPU used by the API processes, PostgreSQL and the load generator during each run;
  * that the store holds exactly one event per 2xx response.

Two modes:
  * default: `observatory serve --workers N` against a fresh schema of a PostgreSQL;
  * --up: `observatory up` exactly as the README starts it (a fresh data dir, embedded
    servers, everything running) at 1/16/64 clients plus a soak, and, with --bun-checkout and
    --bun, the popular Bun + SQLite hook server under the same load in the same run
    (see benchmarks/ingest_up.py and docs/benchmarks.md).

Usage:
  python benchmarks/ingest.py [--database-url URL] [--workers 2] [--clients 16,64]
                              [--seconds 15] [--idempotency-keys]
  python benchmarks/ingest.py --up [--clients 1,16,64] [--seconds 20] [--soak-minutes 10]
                              [--bun-checkout DIR --bun PATH]
Needs wrk (apt-get install -y wrk); the default mode needs a PostgreSQL (default: the
machine's on 127.0.0.1).
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
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from load import HEALTHZ_LUA, HOOKS_LUA, CpuSampler, copy_baseline, free_port, wrk

BUN_HOWTO = """\
The Bun + SQLite server (github.com/disler/claude-code-hooks-multi-agent-observability; its
code is not part of Observatory, keep it outside this repository):
  git clone https://github.com/disler/claude-code-hooks-multi-agent-observability /tmp/bun-server/repo
  cd /tmp/bun-server && npm install bun      # the binary: /tmp/bun-server/node_modules/.bin/bun
then pass --bun-checkout /tmp/bun-server/repo --bun /tmp/bun-server/node_modules/.bin/bun"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=BUN_HOWTO,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "OBSERVATORY_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="PostgreSQL of the default mode (--up uses its own embedded server)",
    )
    parser.add_argument("--workers", type=int, default=2, help="serve --workers (default mode)")
    parser.add_argument(
        "--clients", help="concurrencies, comma-separated (default 16,64; with --up 1,16,64)"
    )
    parser.add_argument("--seconds", type=int, help="seconds per concurrency (15; --up: 20)")
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
    up = parser.add_argument_group("--up mode")
    up.add_argument(
        "--up",
        action="store_true",
        help="measure `observatory up` as the README starts it (fresh data dir, free port)",
    )
    up.add_argument(
        "--sessions",
        type=int,
        default=256,
        help="sessions the hooks spread over (256; the default mode: 500)",
    )
    up.add_argument(
        "--soak-minutes",
        type=int,
        default=10,
        help="minutes of sustained load after the steps (10; 0: none)",
    )
    up.add_argument("--soak-clients", type=int, default=16, help="concurrency of the soak (16)")
    up.add_argument(
        "--soak-slice-seconds",
        type=int,
        default=60,
        help="length of one soak slice (60; shorter only to try the harness)",
    )
    up.add_argument("--bun-checkout", type=Path, help="a checkout of the Bun + SQLite server")
    up.add_argument("--bun", type=Path, help="the bun binary to run it with")
    up.add_argument(
        "--keep-data-dir", action="store_true", help="keep the temporary data dir and logs"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    if (args.bun_checkout is None) != (args.bun is None):
        parser.error("--bun-checkout and --bun go together\n\n" + BUN_HOWTO)
    args.clients = [
        int(c) for c in (args.clients or ("1,16,64" if args.up else "16,64")).split(",")
    ]
    args.seconds = args.seconds or (20 if args.up else 15)
    return args


def main() -> None:
    args = parse_args()
    if args.up:
        from ingest_up import run_up

        run_up(args)
    else:
        run_serve(args)


def run_serve(args: argparse.Namespace) -> None:
    """`observatory serve --workers N` against a fresh schema of the given PostgreSQL."""
    from server import agent_key

    from infra.migrate import migrate

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
    script = HOOKS_LUA
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
        health = wrk(HEALTHZ_LUA, base, 64, max(5, args.seconds // 2),
                     wrk_env)  # fmt: skip
        health_cpu = sampler.stop()
        results["healthz"] = {
            "requests_per_s": round(health["requests"] / health["duration_us"] * 1e6),
            "p99_ms": health["p99_us"] / 1000,
            "cpu_percent": health_cpu,
        }
        runs = []
        for clients in args.clients:
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
