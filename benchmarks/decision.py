"""PreToolUse decisions over HTTP at a fixed rate, beside an empty-endpoint baseline.

Open loop: requests are sent on a fixed schedule (default 1,000 per second), whether or not
earlier ones have been answered, so slow answers cannot slow the load down and hide
themselves. Each answer's ``Server-Timing`` header gives the server side: ``decide`` (parse,
check and judge against the policy) and ``total`` (everything, including waiting for the
ruling and the hook to be committed). The client side is the full round trip. The baseline is
``GET /healthz`` at the same rate from the same client.

``--budgets`` adds the four budget rules of ``budget_decision.py`` (one per scope, none
exhausted) to the policy before the load, so every decision also judges them against the API
processes' spend ledgers: compare with a run without it.

Usage:  python benchmarks/decision.py [--rate 1000] [--seconds 15] [--database-url URL]
        [--workers N] [--budgets]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import UTC, datetime

import aiohttp
from server import DEFAULT_URL, ROOT, observatory

COMMANDS = [("npm test", None)] * 8 + [
    ("rm -rf /", "deny"),
    ("git push --force origin fix/x", "ask"),
]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def server_timing(header: str) -> dict[str, float]:
    found = {}
    for part in header.split(","):
        name, _, duration = part.strip().partition(";dur=")
        if duration:
            found[name] = float(duration)
    return found


async def run(base: str, rate: int, seconds: int, hook: bool, key: str) -> dict[str, object]:
    client_ms: list[float] = []
    decide_ms: list[float] = []
    total_ms: list[float] = []
    wrong, failed = 0, 0
    connector = aiohttp.TCPConnector(limit=256)
    timeout = aiohttp.ClientTimeout(total=30)
    headers = {"Authorization": f"Bearer {key}"}
    async with aiohttp.ClientSession(
        base, connector=connector, timeout=timeout, headers=headers
    ) as client:

        async def one(n: int) -> None:
            nonlocal wrong, failed
            command, expected = COMMANDS[n % len(COMMANDS)]
            started = time.perf_counter()
            try:
                if hook:
                    body = {"session_id": f"bench-{n % 100}", "hook_event_name": "PreToolUse",
                            "tool_name": "Bash", "tool_input": {"command": command},
                            "tool_use_id": f"toolu_{n}"}  # fmt: skip
                    request = client.post("/v1/hooks/claude-code", data=json.dumps(body))
                else:
                    request = client.get("/healthz")
                async with request as response:
                    content = await response.read()
                    status, headers = response.status, response.headers
            except (aiohttp.ClientError, TimeoutError):
                failed += 1
                return
            client_ms.append((time.perf_counter() - started) * 1000)
            if status != 200:
                failed += 1
                return
            if hook:
                timing = server_timing(headers.get("server-timing", ""))
                decide_ms.append(timing.get("decide", float("nan")))
                total_ms.append(timing.get("total", float("nan")))
                got = (
                    json.loads(content)["hookSpecificOutput"]["permissionDecision"]
                    if content
                    else None
                )
                wrong += got != expected

        tasks = []
        start = time.perf_counter()
        for n in range(rate * seconds):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
        achieved = len(tasks) / (time.perf_counter() - start)
    return {
        "sent": rate * seconds,
        "achieved_rate": round(achieved),
        "failed": failed,
        "wrong_decisions": wrong,
        "client_ms": {
            "p50": percentile(client_ms, 50),
            "p99": percentile(client_ms, 99),
            "max": max(client_ms, default=float("nan")),
        },
        "server_decide_ms": {"p50": percentile(decide_ms, 50), "p99": percentile(decide_ms, 99)},
        "server_total_ms": {"p50": percentile(total_ms, 50), "p99": percentile(total_ms, 99)},
        "mean_decide_ms": statistics.fmean(decide_ms) if decide_ms else None,
    }


def add_budgets(database_url: str, schema: str) -> None:
    """The budget rules, as an operator adds them; the API processes follow within a second."""
    from budget_decision import BUDGETS

    from commands.guardrails.service import PolicyDesk
    from infra.database import eventsourcing_env

    desk = PolicyDesk(eventsourcing_env(database_url, schema, 1))
    try:
        for rule in BUDGETS:
            desk.add_rule("default", rule, by="benchmark")
    finally:
        desk.close()
    time.sleep(2)  # the followers' NOTIFY wake-up, or their 1 s poll


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--budgets", action="store_true")
    args = parser.parse_args()
    with observatory(args.database_url, args.workers) as server:
        if args.budgets:
            add_budgets(args.database_url, server.schema)
        asyncio.run(run(server.base, args.rate, 2, hook=True, key=server.key))  # warm up
        baseline = asyncio.run(
            run(server.base, args.rate, args.seconds, hook=False, key=server.key)
        )
        decisions = asyncio.run(
            run(server.base, args.rate, args.seconds, hook=True, key=server.key)
        )
    result = {"rate": args.rate, "seconds": args.seconds, "workers": args.workers,
              "budgets": args.budgets,
              "when": datetime.now(UTC).isoformat(timespec="seconds"),
              "baseline_healthz": baseline, "pretooluse": decisions}  # fmt: skip
    print(json.dumps(result, indent=2))
    print(f"\n| measured at {args.rate}/s | p50 ms | p99 ms |")
    print("|---|---|---|")
    print(
        f"| server: decide (parse, check, judge) | {decisions['server_decide_ms']['p50']:.2f} | {decisions['server_decide_ms']['p99']:.2f} |"
    )
    print(
        f"| server: whole request (incl. durable commit) | {decisions['server_total_ms']['p50']:.2f} | {decisions['server_total_ms']['p99']:.2f} |"
    )
    print(
        f"| client: PreToolUse round trip | {decisions['client_ms']['p50']:.2f} | {decisions['client_ms']['p99']:.2f} |"
    )
    print(
        f"| client: GET /healthz baseline | {baseline['client_ms']['p50']:.2f} | {baseline['client_ms']['p99']:.2f} |"
    )
    print(
        f"\nachieved {decisions['achieved_rate']}/s (baseline {baseline['achieved_rate']}/s), "
        f"{decisions['failed']} failed, {decisions['wrong_decisions']} unexpected decisions"
    )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / f"decision-{datetime.now(UTC):%Y%m%dT%H%M%S}.json").write_text(
        json.dumps(result, indent=2)
    )


if __name__ == "__main__":
    main()
