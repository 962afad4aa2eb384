"""Cost queries over 10 M usage records (issue 14: "cost query over 10 M usage records p95 ≤
50 ms"), on the PostgreSQL rollups and on chDB, with a raw scan of the same rows as baseline.

Loads ``--records`` model calls of one tenant over 30 days (``--sessions`` sessions of
``--users`` users in ``--teams`` teams, 100 projects, 4 models, a few agents), each call in its
own minute of its session, so PostgreSQL holds exactly one ``usage_minute`` row per call. The
load bypasses the API and the projector (``COPY`` into PostgreSQL, Arrow inserts into chDB);
the rollups are then built by one ``INSERT … SELECT … GROUP BY`` each, the sums the projector
writes batch by batch (``tests/integration/test_usage_rollups.py`` proves a rebuild equals the
incremental view). The schema is the product's own: its migrations, applied to a scratch
PostgreSQL database and a scratch chDB path, both dropped at the end (``--keep`` keeps them).

Then, through the product's query classes (``UsageQueries`` and ``ClickHouseUsageQueries``,
what GraphQL ``usage`` calls), ``--runs`` timed runs of each typical question after warm-up:

- ``team_per_day``: cost by team per day over the last 30 days (ragged ends: minutes and hours
  at both ends, days in between);
- ``top_users_month``: the 10 costliest users since the first of the month (PostgreSQL: the
  month's rows less the rest of the month, which is empty future);
- ``one_session``: one (random) session's cost, by model.

and the same questions as a raw scan of the same rows (``usage_minute`` in PostgreSQL,
``usage_calls FINAL`` in chDB), in the same run. Prints p50 / p95 / p99 in ms, the machine and
its load average.

Usage:  python benchmarks/usage_query.py [--records 10000000] [--runs 50] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
if "PYTHONPATH" not in os.environ:
    sys.path.insert(0, str(ROOT))

import numpy as np
import psycopg
import pyarrow as pa

from infra.database import create_read_engine
from infra.migrate import migrate
from projections.event_analytics.connections import EmbeddedClickHouse
from projections.event_analytics.migrator import migrate_clickhouse
from projections.usage.clickhouse import CALL_COLUMNS
from projections.usage.clickhouse_queries import ClickHouseUsageQueries
from projections.usage.clickhouse_tables import GRAINS as CH_GRAINS
from projections.usage.clickhouse_tables import ROLLUPS as CH_ROLLUPS
from projections.usage.clickhouse_tables import rollup_table
from projections.usage.counts import COUNTS
from projections.usage.queries import UsageAsk, UsageQueries
from projections.usage.tables import GRAINS, ROLLUPS, rollup_name

TENANT = "acme"
NOW = datetime(2026, 11, 30, 17, 23, 41, tzinfo=UTC)
"""The benchmark's "now": late in a month, on no hour boundary."""
DAYS = 30
MODELS = ("claude-opus-4-5", "claude-sonnet-4-5", "claude-haiku-4-5", "gpt-5")
AGENTS = ("", "", "", "", "reviewer", "planner", "coder")
SCHEMA = "bench"
DATABASE = "observatory_bench_usage"
CH_DATABASE = "bench"


@dataclass(frozen=True)
class Calls:
    """The generated calls as columns (numpy), dimensions as indexes into the name lists."""

    at_us: np.ndarray  # microseconds since the epoch
    session: np.ndarray
    user: np.ndarray
    team: np.ndarray
    project: np.ndarray
    agent: np.ndarray
    model: np.ndarray
    input_tokens: np.ndarray
    output_tokens: np.ndarray
    cache_read: np.ndarray
    cache_creation: np.ndarray
    cost: np.ndarray
    duration: np.ndarray

    def __len__(self) -> int:
        return len(self.at_us)


def generate(records: int, sessions: int, users: int, teams: int, seed: int = 14) -> Calls:
    rng = np.random.default_rng(seed)
    per = np.maximum(1, rng.poisson(records / sessions, sessions))
    per = (per * (records / per.sum())).astype(np.int64)
    per[: records - per.sum()] += 1  # exactly ``records`` calls
    session = np.repeat(np.arange(sessions), per)
    first = (NOW - timedelta(days=DAYS)).timestamp() * 1e6
    room = np.maximum(DAYS * 86400e6 - (per * 6 + 1) * 60e6, 0)  # a session ends before NOW
    session_starts = first + rng.random(sessions) * room
    # each call in its own minute of its session: 1-6 minutes after the one before
    gaps = rng.integers(1, 7, len(session)) * 60_000_000
    starts = np.concatenate([[0], np.cumsum(per)[:-1]])
    elapsed = np.cumsum(gaps)
    offsets = elapsed - np.repeat(elapsed[starts], per)
    minute = ((np.repeat(session_starts, per) + offsets) // 60_000_000) * 60_000_000
    at_us = (minute + rng.integers(0, 60_000_000, len(session))).astype(np.int64)
    if at_us.max() >= NOW.timestamp() * 1e6:
        raise SystemExit("too many calls per session for 30 days: raise --sessions")
    user_of_session = rng.integers(0, users, sessions)
    user = user_of_session[session]
    model = rng.choice(len(MODELS), len(session), p=[0.3, 0.45, 0.2, 0.05])
    tokens_in = rng.integers(50, 5000, len(session))
    tokens_out = rng.integers(20, 3000, len(session))
    cache_read = rng.integers(0, 40000, len(session))
    cache_creation = rng.integers(0, 4000, len(session))
    price = np.array([15.0, 3.0, 0.8, 1.25])[model] / 1e6
    cost = price * (tokens_in + 5 * tokens_out + 0.1 * cache_read + 1.25 * cache_creation)
    return Calls(
        at_us, session, user, user % teams, rng.integers(0, 100, sessions)[session],
        rng.integers(0, len(AGENTS), sessions)[session], model, tokens_in, tokens_out,
        cache_read, cache_creation, cost, rng.gamma(2.0, 2500.0, len(session)),
    )  # fmt: skip


def names(calls: Calls) -> dict[str, Callable[[np.ndarray], list[str]]]:
    del calls
    return {
        "session": lambda i: [f"sess-{v:07d}" for v in i.tolist()],
        "user": lambda i: [f"user-{v:05d}" for v in i.tolist()],
        "team": lambda i: [f"team-{v:02d}" for v in i.tolist()],
        "project": lambda i: [f"project-{v:03d}" for v in i.tolist()],
        "agent": lambda i: [AGENTS[v] for v in i.tolist()],
        "model": lambda i: [MODELS[v] for v in i.tolist()],
    }


def chunks(calls: Calls, size: int) -> Any:
    for lo in range(0, len(calls), size):
        yield lo, slice(lo, min(lo + size, len(calls)))


# ---- PostgreSQL ---------------------------------------------------------------------------


def load_postgres(url: str, calls: Calls) -> float:
    started = time.perf_counter()
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    bench = bench_url(url)
    migrate(bench, SCHEMA)
    named = names(calls)
    with psycopg.connect(bench, options=f"-c search_path={SCHEMA}") as conn:
        # the key and index are built once after the load: a bulk load does not maintain them
        conn.execute("ALTER TABLE usage_minute DROP CONSTRAINT usage_minute_pkey")
        conn.execute("DROP INDEX usage_minute_tenant_bucket, usage_minute_session")
        columns = ("tenant_id", "bucket", "session_id", "user_id", "team", "project", "agent",
                   "model", *COUNTS)  # fmt: skip
        copy_sql = f"COPY usage_minute ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
        types = ["text", "timestamptz", *["text"] * 6, "integer", "integer",
                 *["bigint"] * 4, "float8", "float8"]  # fmt: skip
        with conn.cursor() as cur, cur.copy(copy_sql) as copy:
            copy.set_types(types)
            for _, part in chunks(calls, 500_000):
                at = [datetime.fromtimestamp(v / 1e6, UTC) for v in calls.at_us[part].tolist()]
                dims = [named[k](getattr(calls, k)[part]) for k in
                        ("session", "user", "team", "project", "agent", "model")]  # fmt: skip
                counts = [calls.input_tokens[part].tolist(), calls.output_tokens[part].tolist(),
                          calls.cache_read[part].tolist(), calls.cache_creation[part].tolist(),
                          calls.cost[part].tolist(), calls.duration[part].tolist()]  # fmt: skip
                for row in zip(at, *dims, *counts, strict=True):
                    copy.write_row((TENANT, row[0], *row[1:7], 1, 0, *row[7:]))
        print(f"  postgres: copied {len(calls):,} minute rows in {time.perf_counter() - started:.0f} s",
              flush=True)  # fmt: skip
        conn.execute("ALTER TABLE usage_minute ADD PRIMARY KEY"
                     " (tenant_id, bucket, session_id, user_id, team, project, agent, model)")  # fmt: skip
        conn.execute("CREATE INDEX usage_minute_tenant_bucket ON usage_minute (tenant_id, bucket)")
        conn.execute("CREATE INDEX usage_minute_session ON usage_minute"
                     " (tenant_id, session_id, bucket)")  # fmt: skip
        finer = {"hour": "minute", "day": "hour", "month": "day"}
        for (unit, grain), table in ROLLUPS.items():  # months from days … hours from minutes
            keys = ", ".join(GRAINS[grain])
            source = "usage_minute" if unit == "hour" else rollup_name(finer[unit], grain)
            conn.execute(f"""
                INSERT INTO {table.name} (tenant_id, bucket, {keys}, {", ".join(COUNTS)})
                SELECT tenant_id, date_trunc('{unit}', bucket, 'UTC'), {keys},
                       {", ".join(f"sum({c})" for c in COUNTS)}
                FROM {source} GROUP BY tenant_id, 2, {keys}""")
        conn.commit()
        conn.autocommit = True
        tables = ["usage_minute", *(t.name for t in ROLLUPS.values())]
        conn.execute(f"VACUUM ANALYZE {', '.join(tables)}")
        sizes = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
                 for t in tables}  # fmt: skip
    print(f"  postgres rows: {sizes}", flush=True)
    return time.perf_counter() - started


def bench_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + f"/{DATABASE}"


# ---- chDB ---------------------------------------------------------------------------------


def load_chdb(path: Path, calls: Calls) -> tuple[EmbeddedClickHouse, float]:
    started = time.perf_counter()
    conn = EmbeddedClickHouse(path)
    migrate_clickhouse(conn, CH_DATABASE)
    named = names(calls)
    schema = pa.schema([
        (n, {"position": pa.uint64(), "at": pa.timestamp("us", tz="UTC"), "calls": pa.uint32(),
             "errors": pa.uint32(), "cost_usd": pa.float64(), "duration_sum_ms": pa.float64(),
             **{c: pa.uint64() for c in COUNTS if c.endswith("_tokens")}}.get(n, pa.string()))
        for n in CALL_COLUMNS
    ])  # fmt: skip
    for lo, part in chunks(calls, 1_000_000):
        n = part.stop - part.start
        positions = np.arange(lo + 1, lo + n + 1, dtype=np.uint64)
        table = pa.table({
            "tenant_id": [TENANT] * n,
            "event_id": [f"00000000-0000-4000-8000-{p:012x}" for p in positions.tolist()],
            "position": positions, "at": pa.array(calls.at_us[part], pa.timestamp("us", "UTC")),
            "session_id": named["session"](calls.session[part]),
            "user_id": named["user"](calls.user[part]), "team": named["team"](calls.team[part]),
            "project": named["project"](calls.project[part]),
            "agent": named["agent"](calls.agent[part]), "model": named["model"](calls.model[part]),
            "calls": np.ones(n, np.uint32), "errors": np.zeros(n, np.uint32),
            "input_tokens": calls.input_tokens[part].astype(np.uint64),
            "output_tokens": calls.output_tokens[part].astype(np.uint64),
            "cache_read_tokens": calls.cache_read[part].astype(np.uint64),
            "cache_creation_tokens": calls.cache_creation[part].astype(np.uint64),
            "cost_usd": calls.cost[part], "duration_sum_ms": calls.duration[part],
        }, schema=schema)  # fmt: skip
        conn.insert(f"{CH_DATABASE}.usage_calls", table)
    print(f"  chdb: inserted {len(calls):,} calls in {time.perf_counter() - started:.0f} s",
          flush=True)  # fmt: skip
    for unit, grain, source in CH_ROLLUPS:  # in the projector's order, finer tables first
        keys = ", ".join(CH_GRAINS[grain])
        time_column = "at" if source == "usage_calls" else "bucket"
        start = {"hour": "toStartOfHour", "day": "toStartOfDay"}[unit]
        conn.execute(f"""
            INSERT INTO {CH_DATABASE}.{rollup_table(unit, grain)}
            SELECT tenant_id, toDateTime({start}({time_column}), 'UTC') AS b, {keys},
                   {", ".join(f"sum({c})" for c in COUNTS)}, 1
            FROM {CH_DATABASE}.{source} GROUP BY tenant_id, b, {keys}""")
    tables = ["usage_calls", *(rollup_table(u, g) for u, g, _ in CH_ROLLUPS)]
    counts = {t: conn.select(f"SELECT count() FROM {CH_DATABASE}.{t}")[0][0] for t in tables}
    print(f"  chdb rows: {counts}", flush=True)
    return conn, time.perf_counter() - started


# ---- the questions ------------------------------------------------------------------------


def questions(sessions: int) -> dict[str, Callable[[random.Random], UsageAsk]]:
    month = NOW.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    since = NOW - timedelta(days=DAYS)
    return {
        "team_per_day": lambda _r: UsageAsk(TENANT, since, NOW, by="team", per="day", first=10_000),
        "top_users_month": lambda _r: UsageAsk(TENANT, month, NOW, by="user_id", first=10),
        "one_session": lambda r: UsageAsk(
            TENANT,
            since,
            NOW,
            by="model",
            filters={"session_id": f"sess-{r.randrange(sessions):07d}"},
        ),
    }


def raw_postgres(ask: UsageAsk) -> tuple[str, dict[str, Any]]:
    """The question as one scan of the minute rows (no rollup)."""
    bucket = f"date_trunc('{ask.per}', bucket, 'UTC')" if ask.per else "NULL"
    where = "tenant_id = %(t)s AND bucket >= %(s)s AND bucket < %(u)s"
    params: dict[str, Any] = {"t": ask.tenant_id, "s": ask.since, "u": ask.until}
    for name, value in (ask.filters or {}).items():
        where += f" AND {name} = %(f_{name})s"
        params[f"f_{name}"] = value
    sql = (
        f"SELECT {bucket} AS b, {ask.by} AS k, sum(calls), sum(cost_usd) AS cost"
        f" FROM usage_minute WHERE {where} GROUP BY 1, 2 ORDER BY cost DESC"
        f" LIMIT {ask.first}"
    )
    return sql, params


def raw_chdb(ask: UsageAsk) -> tuple[str, dict[str, Any]]:
    """The question as one scan of the call rows (``FINAL``, as every usage read)."""
    bucket = "toStartOfDay(at)" if ask.per else "0"
    where = ("tenant_id = {t:String} AND at >= {s:DateTime64(6, 'UTC')}"
             " AND at < {u:DateTime64(6, 'UTC')}")  # fmt: skip
    params: dict[str, Any] = {"t": ask.tenant_id, "s": _ch(ask.since), "u": _ch(ask.until)}
    for name, value in (ask.filters or {}).items():
        where += f" AND {name} = {{f_{name}:String}}"
        params[f"f_{name}"] = value
    sql = (f"SELECT {bucket} AS b, {ask.by} AS k, sum(calls), sum(cost_usd) AS cost"
           f" FROM {CH_DATABASE}.usage_calls FINAL WHERE {where} GROUP BY b, k"
           f" ORDER BY cost DESC LIMIT {ask.first}")  # fmt: skip
    return sql, params


def _ch(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {q[49]:7.1f}  p95 {q[94]:7.1f}  p99 {q[98]:7.1f} ms"


def timed(run: Callable[[], Any], runs: int, warm: int = 3) -> tuple[list[float], Any]:
    result = None
    for _ in range(warm):
        result = run()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


async def measure_postgres(url: str, runs: int, sessions: int) -> dict[str, Any]:
    engine = create_read_engine(bench_url(url), SCHEMA, 2)
    queries = UsageQueries(engine)
    loop = asyncio.get_running_loop()
    out: dict[str, Any] = {}
    raw = await asyncio.to_thread(psycopg.connect, bench_url(url),
                                  options=f"-c search_path={SCHEMA}")  # fmt: skip
    try:
        for name, question in questions(sessions).items():
            rng = random.Random(1)
            samples: list[float] = []
            answer: Any = None
            for i in range(runs + 3):
                ask = question(rng)
                started = loop.time()
                answer = await queries.usage(ask)
                if i >= 3:
                    samples.append((loop.time() - started) * 1000)
            rng = random.Random(1)
            base, _ = timed(lambda q=question, r=rng: raw.execute(*raw_postgres(q(r))).fetchall(),
                            max(5, runs // 5), 1)  # fmt: skip
            out[name] = (samples, base, len(answer))
    finally:
        raw.close()
        await engine.dispose()
    return out


def measure_chdb(conn: EmbeddedClickHouse, runs: int, sessions: int) -> dict[str, Any]:
    queries = ClickHouseUsageQueries(conn, CH_DATABASE)
    out: dict[str, Any] = {}
    for name, question in questions(sessions).items():
        rng = random.Random(1)
        samples, answer = timed(lambda q=question, r=rng: queries.usage(q(r)), runs)
        rng = random.Random(1)
        base, _ = timed(
            lambda q=question, r=rng: conn.select(*raw_chdb(q(r))), max(5, runs // 5), 1
        )
        out[name] = (samples, base, len(answer))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--sessions", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database-url", default=os.environ.get(
        "OBSERVATORY_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="Keep the scratch stores.")
    parser.add_argument(
        "--only",
        choices=("postgres", "chdb"),
        default=None,
        help="Load and measure one store only.",
    )
    args = parser.parse_args()
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores,"
          f" Python {platform.python_version()}; load average {os.getloadavg()}", flush=True)  # fmt: skip
    started = time.perf_counter()
    calls = generate(args.records, args.sessions, args.users, args.teams)
    print(f"generated {len(calls):,} calls in {time.perf_counter() - started:.0f} s", flush=True)
    pg_load = load_postgres(args.database_url, calls) if args.only != "chdb" else 0.0
    path = Path(tempfile.mkdtemp(prefix="usage-bench-"))
    conn, ch_load = (
        load_chdb(path / "clickhouse", calls) if args.only != "postgres" else (None, 0.0)
    )
    del calls
    print(f"loaded: postgres {pg_load:.0f} s, chdb {ch_load:.0f} s;"
          f" load average {os.getloadavg()}", flush=True)  # fmt: skip
    try:
        results = {}
        if args.only != "chdb":
            results["postgres"] = asyncio.run(
                measure_postgres(args.database_url, args.runs, args.sessions)
            )
        if conn is not None:
            results["chdb"] = measure_chdb(conn, args.runs, args.sessions)
    finally:
        if conn is not None:
            conn.close()
        if not args.keep:
            shutil.rmtree(path, ignore_errors=True)
            admin = args.database_url.rsplit("/", 1)[0] + "/postgres"
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    print(f"\n{args.records:,} usage records, {args.runs} runs per query;"
          f" load average after {os.getloadavg()}")  # fmt: skip
    worst = 0.0
    for store, found in results.items():
        for name, (samples, base, rows) in found.items():
            p95 = statistics.quantiles(samples, n=100, method="inclusive")[94]
            base95 = statistics.quantiles(base, n=100, method="inclusive")[94]
            worst = max(worst, p95)
            print(f"{store:9} {name:16} rollup   {percentiles(samples)}  ({rows} rows)")
            print(f"{'':9} {'':16} raw scan {percentiles(base)}  (p95 x{base95 / p95:.0f})")
    print(
        f"\nworst rollup p95 {worst:.1f} ms: target ≤ 50 ms {'met' if worst <= 50 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
