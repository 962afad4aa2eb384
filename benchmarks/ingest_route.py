"""CPU per request of the API process: the hook route beside GET /healthz, on the same server.

What it measures: one API process (the `serve` app, one worker) whose ingest writer runs as
its own process (`observatory ingest-writer`, as `serve --workers N` lays it out), so the
figure is the API's own work (HTTP server, framework, authentication, strict parsing,
screening, the ruling, the hand-off to the writer) and not the group commit's. For each HTTP
server asked for (uvicorn with the options of ``workers.http_server``, granian's ASGI
interface), in interleaved rounds: wrk at ``--clients`` on ``GET /healthz``, then on
``POST /v1/hooks/claude-code`` (one PreToolUse per request, `benchmarks/hooks.lua`, an agent
key as in production); CPU seconds of the API process tree (user + system, psutil) divided by
the requests answered.

``--in-process``: the app alone, without an HTTP server or a writer: ASGI calls in a loop,
``time.process_time`` per request, for the lean door (``/v1/hooks/claude-code``), the same
code through Litestar's stack (the documented route, reached with a trailing slash) and
``/healthz``. The group commit is replaced by an immediate receipt (a benchmark stand-in,
so that only the API's work is timed); authentication, parsing, screening and the ruling run
as in production.

Usage:
  python benchmarks/ingest_route.py --in-process [--requests 4000] [--rounds 3]
  python benchmarks/ingest_route.py [--servers uvicorn,granian] [--clients 16]
                                    [--seconds 5] [--rounds 2] [--database-url URL]
                                    [--code before=/tmp/base,after=.]
``--code`` serves each variant from another checkout (its folder first on PYTHONPATH), for
a before/after comparison in one run; the writer always runs this checkout. Prints one line
per run and a summary with the medians; needs wrk and a PostgreSQL (default: the machine's
on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from load import HEALTHZ_LUA, HOOKS_LUA, free_port, wrk
from server import DEFAULT_URL, agent_key

BIN = Path(sys.executable).parent


def server_argv(server: str, port: int) -> list[str]:
    if server == "uvicorn":
        return [str(BIN / "observatory"), "serve", "--workers", "1"]
    if server == "granian":
        return [str(BIN / "granian"), "--interface", "asgi", "--factory", "--host", "127.0.0.1",
                "--port", str(port), "--workers", "1", "--loop", "uvloop", "--http", "1",
                "--no-ws", "--log-level", "warning", "workers.serve:app_from_env"]  # fmt: skip
    raise SystemExit(f"unknown server {server!r}")


@contextmanager
def api(server: str, env: dict[str, str]) -> Iterator[tuple[str, psutil.Process]]:
    port = free_port()
    env = {**env, "OBSERVATORY_PORT": str(port), "OBSERVATORY_HOST": "127.0.0.1"}
    process = subprocess.Popen(server_argv(server, port), env=env, cwd=ROOT,
                               start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{server} did not start")
            time.sleep(0.2)
        yield base, psutil.Process(process.pid)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def tree_cpu(root: psutil.Process) -> float:
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            continue
    return total


def measure(root: psutil.Process, script: Path, base: str, clients: int, seconds: int,
            env: dict[str, str]) -> dict[str, float]:  # fmt: skip
    before = tree_cpu(root)
    run = wrk(script, base, clients, seconds, env)
    used = tree_cpu(root) - before
    answered = run["requests"]
    return {
        "requests_per_s": round(answered / run["duration_us"] * 1e6),
        "cpu_us_per_request": round(used / max(answered, 1) * 1e6, 1),
        "cpu_cores": round(used / (run["duration_us"] / 1e6), 2),
        "p50_ms": run["p50_us"] / 1000,
        "p99_ms": run["p99_us"] / 1000,
        "non_2xx": run["errors_status"],
    }


def hook_body(n: int) -> bytes:
    session = f"bench-{n % 256}"
    return json.dumps({
        "session_id": session, "transcript_path": f"/home/dev/.claude/projects/x/{session}.jsonl",
        "cwd": "/home/dev/src/app", "permission_mode": "default", "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": f"npm test -- --run {n}",
                                            "description": "Run tests"},
        "tool_use_id": f"toolu_{n}",
    }, separators=(",", ":")).encode()  # fmt: skip


async def asgi_cpu(app: Any, path: str, method: str, bodies: list[bytes], key: str) -> float:
    """CPU µs per request of ``app`` for ``bodies`` sent to ``path`` (one ASGI call each)."""
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    statuses: set[int] = set()
    started = time.process_time()
    for body in bodies:
        headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"wrk"),
                   (b"content-type", b"application/json"),
                   (b"authorization", f"Bearer {key}".encode()),
                   (b"content-length", str(len(body)).encode())]  # fmt: skip
        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
                 "http_version": "1.1", "server": ("127.0.0.1", 8000),
                 "client": ("127.0.0.1", 50000), "scheme": "http", "method": method,
                 "root_path": "", "path": path, "raw_path": path.encode(),
                 "query_string": b"", "headers": headers, "state": {}}  # fmt: skip
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive(messages: list[Any] = messages) -> Any:
            return messages.pop() if messages else {"type": "http.disconnect"}

        await app(scope, receive, send)
        statuses.add(sent[0]["status"])
        sent.clear()
    used = time.process_time() - started
    if statuses != {200}:
        raise RuntimeError(f"{path} answered {statuses}")
    return used / len(bodies) * 1e6


async def in_process(args: argparse.Namespace) -> None:
    from commands.ingest.messages import Receipt
    from infra.migrate import migrate
    from infra.settings import Settings
    from workers.bootstrap.api import api_app

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    migrate(args.database_url, schema)
    key = agent_key(args.database_url, schema)
    settings = Settings(database_url=args.database_url, database_schema=schema,
                        data_dir=Path(tempfile.mkdtemp(prefix="observatory-route-")),
                        auth_mode="local", log_level="warning")  # fmt: skip
    app = api_app(settings, args.database_url)
    lifespan: asyncio.Queue[Any] = asyncio.Queue()
    done: asyncio.Queue[Any] = asyncio.Queue()
    await lifespan.put({"type": "lifespan.startup"})
    scope: Any = {"type": "lifespan"}
    task = asyncio.create_task(app(scope, lifespan.get, done.put))
    assert (await done.get())["type"] == "lifespan.startup.complete"
    position = 0

    async def commit(command: Any) -> Receipt:  # the stand-in for the group commit
        nonlocal position
        position += 1
        return Receipt(200, command.reply, position)

    app.state.gate.committer.submit = commit
    results: dict[str, list[float]] = {}
    paths = [("lean door", "/v1/hooks/claude-code", "POST"),
             ("Litestar route", "/v1/hooks/claude-code/", "POST"),
             ("healthz", "/healthz", "GET")]  # fmt: skip
    n = 0
    for round_ in range(args.rounds + 1):  # round 0 warms up (caches, first parses)
        for name, path, method in paths if round_ % 2 else reversed(paths):
            bodies = [hook_body(n + i) for i in range(args.requests)]
            n += args.requests
            cpu = await asgi_cpu(app, path, method, bodies, key)
            if round_:
                results.setdefault(name, []).append(cpu)
                print(json.dumps({"route": name, "round": round_, "cpu_us": round(cpu, 1)}))
    await lifespan.put({"type": "lifespan.shutdown"})
    await task
    health = statistics.median(results["healthz"])
    print(f"\nin-process medians, {args.requests} requests x {args.rounds} rounds")
    print("| path | CPU µs/request | / healthz |")
    print("|---|---|---|")
    for name, runs in results.items():
        med = statistics.median(runs)
        print(f"| {name} | {med:.0f} | {med / health:.2f} |")
    lean, route = (
        statistics.median(results["lean door"]),
        statistics.median(results["Litestar route"]),
    )
    print(f"lean door / Litestar route = {lean / route:.2f} ({route - lean:.0f} µs saved)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", default="uvicorn,granian")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--code", default=f"this={ROOT}", help="label=checkout,…")
    parser.add_argument("--in-process", action="store_true")
    parser.add_argument("--requests", type=int, default=4000)
    args = parser.parse_args()
    if args.in_process:
        asyncio.run(in_process(args))
        return
    from infra.migrate import migrate

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    migrate(args.database_url, schema)
    key = agent_key(args.database_url, schema)
    scratch = Path(tempfile.mkdtemp(prefix="observatory-route-"))
    socket_path = str(scratch / "ingest.sock")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBSERVATORY_")}
    env.update(OBSERVATORY_DATABASE_URL=args.database_url, OBSERVATORY_DATABASE_SCHEMA=schema,
               OBSERVATORY_LOG_LEVEL="warning", OBSERVATORY_DATA_DIR=str(scratch / "data"),
               OBSERVATORY_INGEST_SOCKET=socket_path, PYTHONPATH=str(ROOT))  # fmt: skip
    writer = subprocess.Popen([str(BIN / "observatory"), "ingest-writer", "--socket", socket_path],
                              env=env, start_new_session=True)  # fmt: skip
    results: dict[str, dict[str, list[dict[str, float]]]] = {}
    try:
        while not Path(socket_path).exists():
            if writer.poll() is not None:
                raise RuntimeError("the ingest writer did not start")
            time.sleep(0.1)
        codes = dict(item.split("=", 1) for item in args.code.split(","))
        variants = [(s, c) for c in codes for s in args.servers.split(",")]
        for round_ in range(args.rounds):
            for server, code in variants if round_ % 2 == 0 else reversed(variants):
                label = server if len(codes) == 1 else f"{server} ({code})"
                server_env = {**env, "PYTHONPATH": str(Path(codes[code]).resolve())}
                with api(server, server_env) as (base, root):
                    wrk_env = dict(
                        os.environ, BENCH_AUTH=key, BENCH_RUN=f"{server}-{code}-{round_}"
                    )
                    wrk(HOOKS_LUA, base, args.clients, 2, wrk_env)  # warm up
                    for name, script in (("healthz", HEALTHZ_LUA), ("hook", HOOKS_LUA)):
                        run = measure(root, script, base, args.clients, args.seconds, wrk_env)
                        results.setdefault(label, {}).setdefault(name, []).append(run)
                        print(json.dumps({"server": label, "route": name, "round": round_,
                                          **run}), flush=True)  # fmt: skip
    finally:
        os.killpg(writer.pid, signal.SIGTERM)
        writer.wait(30)
    print(f"\nmedians, {args.clients} clients, {args.seconds} s per run, {args.rounds} rounds")
    print("| server | route | requests/s | CPU µs/request | CPU cores | p99 ms |")
    print("|---|---|---|---|---|---|")
    for server, routes in results.items():
        for name, runs in routes.items():
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(f"| {server} | {name} | {med['requests_per_s']:.0f} | "
                  f"{med['cpu_us_per_request']:.0f} | {med['cpu_cores']:.2f} | "
                  f"{med['p99_ms']:.1f} |")  # fmt: skip
        hook = statistics.median(r["cpu_us_per_request"] for r in routes["hook"])
        health = statistics.median(r["cpu_us_per_request"] for r in routes["healthz"])
        print(f"{server}: hook / healthz CPU per request = {hook / health:.2f}")


if __name__ == "__main__":
    main()
