"""The ingest benchmark's --up mode: `observatory up` against the Bun + SQLite hook server.

In one run, on the same machine, under the same load (wrk, keep-alive, one PreToolUse hook
per request — Bash ``npm test -- --run N`` — over 256 sessions; every answer after commit):

  1. the Bun + SQLite server (when --bun-checkout and --bun are given): 1/16/64 clients;
  2. `observatory up` started as the README says (fresh data dir, free port): raw COPY of the
     same event rows into a scratch table of its PostgreSQL, GET /healthz on the same server,
     1/16/64 clients, then a soak (throughput per minute; minute N ÷ minute 1, target ≥ 0.9);
  3. that each store holds one event per 2xx answer, and that Ctrl-C stopped `up` cleanly.

Prints a table with ratios (up ÷ Bun, up ÷ COPY) and writes benchmarks/results/ingest-up-*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from bun_server import Bun, bun_server
from load import HEALTHZ_LUA, HOOKS_LUA, ROOT, CpuSampler, copy_baseline, free_port, summary, wrk
from up_server import Up, observatory_up

COPY_ROWS = 100_000
WARM_SECONDS = 3


def steps(
    base: str, clients: list[int], seconds: int, env: dict[str, str], sampler: CpuSampler,
    label: str,
) -> tuple[list[dict[str, object]], int]:  # fmt: skip
    """One wrk run per concurrency; the runs and the 2xx answers they got."""
    runs: list[dict[str, object]] = []
    ok = 0
    for n in clients:
        sampler.start()
        run = wrk(HOOKS_LUA, base, n, seconds, dict(env, BENCH_RUN=f"{label}-{n}"))
        ok += run["requests"] - run["errors_status"]
        runs.append({"clients": n, **summary(run), "cpu_percent": sampler.stop()})
        print(f"{label} {json.dumps(runs[-1])}", flush=True)
    return runs, ok


def measure_bun(args: argparse.Namespace, work: Path, env: dict[str, str]) -> dict[str, object]:
    bun: Bun
    with bun_server(args.bun_checkout, args.bun, work / "bun", free_port()) as bun:
        env = dict(env, BENCH_FORMAT="bun")
        warm = wrk(HOOKS_LUA, bun.base, 16, WARM_SECONDS, dict(env, BENCH_RUN="bun-warm"))
        ok = warm["requests"] - warm["errors_status"]
        runs, acked = steps(bun.base, args.clients, args.seconds, env,
                            CpuSampler(bun.process.pid, 0), "bun")  # fmt: skip
        ok += acked
    stored = bun.stored()
    return {
        "version": bun.version,
        "commit": bun.commit,
        "ingest": runs,
        "acknowledged": ok,
        "stored_events": stored,
        "store_matches_acks": ok <= stored <= ok + 16 + sum(args.clients),
    }


def soak(
    up: Up, args: argparse.Namespace, env: dict[str, str], sampler: CpuSampler
) -> dict[str, object]:
    slices: list[dict[str, object]] = []
    ok = 0
    for minute in range(1, args.soak_minutes + 1):
        sampler.start()
        run = wrk(HOOKS_LUA, up.base, args.soak_clients, args.soak_slice_seconds,
                  dict(env, BENCH_RUN=f"soak-{minute}"))  # fmt: skip
        ok += run["requests"] - run["errors_status"]
        slices.append({"minute": minute, **summary(run), "cpu_percent": sampler.stop(),
                       "rss_mb": up.rss_mb()})  # fmt: skip
        print(f"soak {json.dumps(slices[-1])}", flush=True)
    first, last = slices[0]["events_per_s"], slices[-1]["events_per_s"]
    return {
        "clients": args.soak_clients,
        "slice_seconds": args.soak_slice_seconds,
        "minutes": slices,
        "last_over_first": round(last / first, 3) if first else None,
        "acknowledged": ok,
    }


def stored_events(url: str, schema: str) -> tuple[int, bytes]:
    with psycopg.connect(url) as conn:
        where = f"FROM {schema}.observatory_events WHERE topic LIKE '%ToolCallRequested'"
        count = conn.execute(f"SELECT count(*) {where}").fetchone()
        sample = conn.execute(f"SELECT state {where} LIMIT 1").fetchone()
    if count is None or sample is None:
        raise RuntimeError("no ToolCallRequested event stored: did the warm-up get 2xx answers?")
    return int(count[0]), bytes(sample[0])


def measure_up(args: argparse.Namespace, work: Path, env: dict[str, str]) -> dict[str, object]:
    found: dict[str, object] = {}
    up: Up
    with observatory_up(work / "data", free_port()) as up:
        env = dict(env, BENCH_AUTH=up.key)
        db = up.database()
        if db is None:
            raise RuntimeError(f"no PostgreSQL with an event table in {up.data_dir}")
        sampler = CpuSampler(up.process.pid, db.pid)
        warm = wrk(HOOKS_LUA, up.base, 16, WARM_SECONDS, dict(env, BENCH_RUN="up-warm"))
        ok = warm["requests"] - warm["errors_status"]
        # COPY while `up` is idle: the same event rows (a stored event's state), same server.
        _, sample = stored_events(db.url, db.schema)
        found["copy_rows_per_s"] = round(copy_baseline(db.url, db.schema, COPY_ROWS, sample))
        sampler.start()
        health = wrk(HEALTHZ_LUA, up.base, 64, max(5, args.seconds // 2), env)
        found["healthz"] = {"requests_per_s": summary(health)["events_per_s"],
                            "p50_ms": health["p50_us"] / 1000, "p99_ms": health["p99_us"] / 1000,
                            "cpu_percent": sampler.stop()}  # fmt: skip
        runs, acked = steps(up.base, args.clients, args.seconds, env, sampler, "up")
        ok += acked
        found["ingest"] = runs
        if args.soak_minutes > 0:
            found["soak"] = result = soak(up, args, env, sampler)
            ok += int(result["acknowledged"])
        found["rss_mb"] = up.rss_mb()
        found["mean_batch"] = mean_batch(up.base)
        stored, _ = stored_events(db.url, db.schema)
        with psycopg.connect(db.url) as conn:
            found["postgres"] = {name: conn.execute(f"SHOW {name}").fetchone()[0]
                                 for name in ("fsync", "synchronous_commit", "wal_sync_method")}  # fmt: skip
    slack = 16 + sum(args.clients) + args.soak_clients * args.soak_minutes
    found.update(acknowledged=ok, stored_events=stored, store_matches_acks=ok <= stored <= ok + slack,
                 stopped=up.stopped)  # fmt: skip
    return found


def mean_batch(base: str) -> float | None:
    """Events per ingest transaction, from /metrics (None if the server does not expose it)."""
    try:
        text = httpx.get(base + "/metrics", timeout=5).text
    except httpx.HTTPError:
        return None
    found = {m.group(1): float(m.group(2)) for m in re.finditer(
        r"^observatory_ingest_batch_size_(sum|count) (\S+)$", text, re.M)}  # fmt: skip
    return round(found["sum"] / found["count"], 1) if found.get("count") else None


def ratio(a: float, b: float | None, digits: int = 2) -> str:
    return f"{a / b:.{digits}f}" if b else "-"


def report(results: dict[str, object]) -> None:
    up = results["up"]
    bun = {r["clients"]: r for r in results.get("bun", {}).get("ingest", [])}
    copy = up["copy_rows_per_s"]
    print("\n| clients | Bun ev/s | Bun p50 / p99 ms | up ev/s | up p50 / p99 ms | up ÷ Bun "
          "| up ÷ COPY | CPU % up / pg / wrk |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
    for run in up["ingest"]:
        b = bun.get(run["clients"])
        cpu = run["cpu_percent"]
        bun_rate = f"{b['events_per_s']:,}" if b else "-"
        bun_latency = f"{b['p50_ms']:.2f} / {b['p99_ms']:.1f}" if b else "-"
        print(f"| {run['clients']} | {bun_rate} | {bun_latency} | {run['events_per_s']:,} | "
              f"{run['p50_ms']:.2f} / {run['p99_ms']:.1f} | "
              f"{ratio(run['events_per_s'], b['events_per_s'] if b else None)} | "
              f"{ratio(run['events_per_s'], copy, 3)} | "
              f"{cpu.get('api', 0)} / {cpu.get('postgres', 0)} / {cpu.get('wrk', 0)} |")  # fmt: skip
    health = up["healthz"]
    print(
        f"\nBaselines: COPY {copy:,} rows/s into up's PostgreSQL; GET /healthz on up "
        f"{health['requests_per_s']:,} requests/s (p99 {health['p99_ms']:.1f} ms)."
    )
    if "soak" in up:
        s = up["soak"]
        print(
            f"\nSoak, {s['clients']} clients, {s['slice_seconds']} s slices: "
            + ", ".join(f"{m['events_per_s']:,}" for m in s["minutes"])
            + f" events/s; last ÷ first = {s['last_over_first']} (target ≥ 0.9)"
        )
    checks = [f"up: {up['acknowledged']} acknowledged, {up['stored_events']} stored "
              f"({'consistent' if up['store_matches_acks'] else 'MISMATCH'})"]  # fmt: skip
    if "bun" in results:
        b = results["bun"]
        checks.append(f"Bun: {b['acknowledged']} acknowledged, {b['stored_events']} stored "
                      f"({'consistent' if b['store_matches_acks'] else 'MISMATCH'})")  # fmt: skip
    stop = up["stopped"]
    checks.append(
        f"up stopped by {stop['how']} in {stop['seconds']} s, exit {stop['exit_code']}"
        + (f"; LEFT RUNNING: {stop['left_running']}" if stop["left_running"] else "")
        + (
            f"; {stop['tracebacks_in_log']} tracebacks in its log"
            if stop["tracebacks_in_log"]
            else ""
        )
    )
    print(
        "\n" + ".\n".join(checks) + f".\nup RSS (process tree) {up['rss_mb']} MB; "
        f"mean batch {up['mean_batch']} events per transaction; PostgreSQL {up['postgres']}."
    )


def run_up(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="observatory-bench-"))
    env = dict(os.environ, BENCH_SESSIONS=str(args.sessions))
    results: dict[str, object] = {"machine": {
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "clients": args.clients, "seconds": args.seconds, "sessions": args.sessions,
    }}  # fmt: skip
    try:
        if args.bun is not None:
            results["bun"] = measure_bun(args, work, env)
        else:
            print("(Bun server skipped: pass --bun-checkout and --bun; see --help)")
        results["up"] = measure_up(args, work, env)
    finally:
        if args.keep_data_dir:
            print(f"Data dir and logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report(results)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"ingest-up-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"Full results: {path}")
