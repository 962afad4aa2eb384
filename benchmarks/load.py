"""Shared by the ingest benchmarks: wrk runs, CPU per process group, the raw COPY baseline.

Nothing here imports Observatory: the `up` mode must depend only on the product's command
line, its data dir and HTTP, so these helpers speak wrk, psutil and psycopg only.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
import uuid
from contextlib import closing
from pathlib import Path

import psutil
import psycopg

ROOT = Path(__file__).resolve().parents[1]
HOOKS_LUA = ROOT / "benchmarks" / "hooks.lua"
HEALTHZ_LUA = ROOT / "benchmarks" / "healthz.lua"
RESULT = re.compile(r"RESULT (.*)")
EVENT_TOPIC = "domain.sessions.aggregate:AgentSession.ToolCallRequested"


def free_port(host: str = "127.0.0.1") -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wrk(
    script: Path, url: str, clients: int, seconds: int, env: dict[str, str] | None = None
) -> dict[str, int]:
    """Runs wrk; the result includes the CPU time wrk itself used (cpu_ms).

    The timeout is 10 s (wrk's default, 2 s, would drop the slowest answers from the latency
    figures and count them as socket errors instead)."""
    proc = subprocess.Popen(
        ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
         url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )  # fmt: skip
    stdout, stderr = proc.communicate()
    match = RESULT.search(stdout)
    if not match:
        raise RuntimeError(stdout + stderr)
    found = {k: int(v) for k, v in (item.split("=") for item in match.group(1).split())}
    usage = psutil.Process().cpu_times()  # children's times include the finished wrk
    found["children_cpu_ms"] = int((usage.children_user + usage.children_system) * 1000)
    return found


def summary(run: dict[str, int]) -> dict[str, float | int]:
    """events/s, p50/p99 (ms) and errors of one wrk run."""
    return {
        "events_per_s": round(run["requests"] / run["duration_us"] * 1e6),
        "p50_ms": run["p50_us"] / 1000,
        "p99_ms": run["p99_us"] / 1000,
        "non_2xx": run["errors_status"],
        "socket_errors": run["errors_connect"] + run["errors_timeout"],
    }


class CpuSampler:
    """CPU used per process group (API server tree, PostgreSQL, wrk) between start() and stop().

    PostgreSQL is the tree of ``postgres_pid`` (an embedded server) when given, none when it
    is 0 (a server without PostgreSQL), else every process named ``postgres`` (the machine's)."""

    def __init__(self, server_pid: int, postgres_pid: int | None = None) -> None:
        self.server_pid = server_pid
        self.postgres_pid = postgres_pid
        self.before: dict[tuple[str, int], float] = {}

    @staticmethod
    def _tree(pid: int) -> set[int]:
        try:
            root = psutil.Process(pid)
            return {root.pid, *(p.pid for p in root.children(recursive=True))}
        except psutil.Error:
            return set()

    def _snapshot(self) -> dict[tuple[str, int], float]:
        found = {}
        api = self._tree(self.server_pid)
        postgres = None if self.postgres_pid is None else self._tree(self.postgres_pid)
        for proc in psutil.process_iter(["name"]):
            try:
                is_postgres = (
                    proc.pid in postgres if postgres is not None
                    else proc.info["name"] == "postgres"
                )  # fmt: skip
                group = "postgres" if is_postgres else "api" if proc.pid in api else None
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
    """Rows/s of one raw ``COPY`` of ``rows`` event rows (``state`` each) into a scratch table
    shaped like ``schema.observatory_events``, in a scratch schema dropped afterwards.

    The scratch table gets its own identity for ``notification_id``: ``LIKE … INCLUDING ALL``
    would share the event table's sequence, and a running server's log must not get gaps."""
    scratch = f"copy_{uuid.uuid4().hex[:10]}"
    table = f"{scratch}.copy_baseline"
    with psycopg.connect(url) as conn:
        conn.execute(f"CREATE SCHEMA {scratch}")
        conn.execute(
            f"CREATE TABLE {table} (LIKE {schema}.observatory_events INCLUDING ALL EXCLUDING DEFAULTS)"
        )
        conn.execute(
            f"ALTER TABLE {table} ALTER notification_id ADD GENERATED BY DEFAULT AS IDENTITY"
        )
        conn.commit()
        ids = [uuid.uuid4() for _ in range(rows)]
        try:
            started = time.perf_counter()
            with (
                conn.cursor() as cur,
                cur.copy(
                    f"COPY {table} (originator_id, originator_version, topic, state) FROM STDIN"
                ) as copy,
            ):
                for i in range(rows):
                    copy.write_row((ids[i], 1, EVENT_TOPIC, state))
            conn.commit()
            return rows / (time.perf_counter() - started)
        finally:
            conn.rollback()
            conn.execute(f"DROP SCHEMA {scratch} CASCADE")
            conn.commit()
