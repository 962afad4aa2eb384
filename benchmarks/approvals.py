"""Held approvals do not slow the other hooks: 1,000 PreToolUse hooks held open by one API
process, and the latency of other (allowed) hooks with and without them, in one run.

Phases, against one ``observatory serve`` (one worker) on a fresh schema:

1. *without*: an open loop of allowed PreToolUse hooks (``npm test``, a rule allows it) at
   ``--rate`` for ``--seconds``;
2. 1,000 ``kubectl`` hooks matching an ``approve`` rule (wait 55 s) are sent and left waiting;
   the phase starts once the inbox (``GET /v1/approvals``) lists all of them;
3. *with*: the same open loop while they are held;
4. the 1,000 are denied through the REST command API; each held hook must answer ``deny``
   (time from the answers to the last released hook is reported);
5. *after*: the same open loop again, none held (on a shared machine, the spread between
   *without* and *after* is the noise the *with* figure must be read against).

Usage:  python benchmarks/approvals.py [--held 1000] [--rate 200] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import UTC, datetime

import aiohttp
import httpx
from decision import percentile, server_timing
from server import DEFAULT_URL, ROOT, observatory

HOOK = "/v1/hooks/claude-code"
RULES = [
    {"id": "bench-allow", "tools": ["Bash"], "when": {"command": {"program": "npm"}},
     "decision": "allow", "message": "tests may run"},
    {"id": "bench-approve", "tools": ["Bash"], "when": {"command": {"program": "kubectl"}},
     "decision": "approve", "approve": {"wait_seconds": 55}},
]  # fmt: skip


def operator_key(database_url: str, schema: str) -> str:
    from commands.access.service import AccessDesk
    from infra.database import eventsourcing_env

    desk = AccessDesk(eventsourcing_env(database_url, schema, 1))
    try:
        return desk.issue_key("default", "bench-operator", "operator", "benchmark").key
    finally:
        desk.close()


def hook(session: str, n: int, command: str) -> bytes:
    return json.dumps({"session_id": session, "hook_event_name": "PreToolUse",
                       "tool_name": "Bash", "tool_input": {"command": command},
                       "tool_use_id": f"toolu_{session}_{n}"}).encode()  # fmt: skip


async def allowed_load(client: aiohttp.ClientSession, rate: int, seconds: int,
                       tag: str) -> dict[str, object]:  # fmt: skip
    client_ms: list[float] = []
    total_ms: list[float] = []
    wrong = failed = 0
    reasons: dict[str, int] = {}

    async def one(n: int) -> None:
        nonlocal wrong, failed
        started = time.perf_counter()
        try:
            async with client.post(HOOK, data=hook(f"{tag}-{n % 50}", n, "npm test")) as answer:
                content, status = await answer.read(), answer.status
                timing = server_timing(answer.headers.get("server-timing", ""))
        except (aiohttp.ClientError, TimeoutError) as error:
            failed += 1
            reasons[type(error).__name__] = reasons.get(type(error).__name__, 0) + 1
            return
        client_ms.append((time.perf_counter() - started) * 1000)
        if status != 200:
            failed += 1
            reasons[str(status)] = reasons.get(str(status), 0) + 1
            return
        total_ms.append(timing.get("total", float("nan")))
        decision = json.loads(content)["hookSpecificOutput"]["permissionDecision"]
        wrong += decision != "allow"

    tasks = []
    start = time.perf_counter()
    for n in range(rate * seconds):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)
    return {
        "sent": len(tasks), "achieved_rate": round(len(tasks) / (time.perf_counter() - start)),
        "failed": failed, "failures": reasons, "wrong": wrong,
        "client_ms": {"p50": percentile(client_ms, 50), "p99": percentile(client_ms, 99)},
        "server_total_ms": {"p50": percentile(total_ms, 50), "p99": percentile(total_ms, 99)},
    }  # fmt: skip


async def run(base: str, key: str, operator: str, held: int, rate: int,
              seconds: int) -> dict[str, object]:  # fmt: skip
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout,
                                     headers={"Authorization": f"Bearer {key}"}) as client:  # fmt: skip
        await allowed_load(client, rate, 2, "warm")
        without = await allowed_load(client, rate, seconds, "without")

        async def holding(n: int) -> str:
            async with client.post(
                HOOK, data=hook(f"held-{n % 100}", n, f"kubectl get pods -n {n}")
            ) as a:
                return str(json.loads(await a.read())["hookSpecificOutput"]["permissionDecision"])

        waiting = [asyncio.create_task(holding(n)) for n in range(held)]
        ops = {"Authorization": f"Bearer {operator}"}
        async with httpx.AsyncClient(base_url=base, headers=ops, timeout=60) as http:
            pending: list[dict[str, object]] = []
            deadline = time.monotonic() + 60
            while len(pending) < held and time.monotonic() < deadline:
                await asyncio.sleep(0.2)  # a benchmark may poll; tests may not
                pending = (await http.get("/v1/approvals")).json()["approvals"]
            if len(pending) < held:
                raise RuntimeError(f"only {len(pending)} of {held} requests are pending")
            during = await allowed_load(client, rate, seconds, "with")
            still = len((await http.get("/v1/approvals")).json()["approvals"])
            answered = time.perf_counter()
            limit = asyncio.Semaphore(32)

            async def deny(request_id: object) -> int:
                async with limit:
                    sent = await http.post(f"/v1/approvals/{request_id}/deny",
                                           json={"reason": "benchmark"})  # fmt: skip
                    return sent.status_code

            statuses = await asyncio.gather(*(deny(p["requestId"]) for p in pending))
            outcomes = await asyncio.gather(*waiting)
            released_s = time.perf_counter() - answered
        after = await allowed_load(client, rate, seconds, "after")
    return {
        "held": held, "still_pending_after_load": still, "without": without, "with": during,
        "after": after,
        "deny_statuses": sorted(set(statuses)), "held_answers": sorted(set(outcomes)),
        "deny_all_and_release_s": round(released_s, 2),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--held", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    with observatory(args.database_url, 1) as server:
        operator = operator_key(args.database_url, server.schema)
        for rule in RULES:
            added = httpx.post(server.base + "/v1/guardrails/rules", json=rule,
                               headers={"Authorization": f"Bearer {operator}"})  # fmt: skip
            added.raise_for_status()
        time.sleep(1.5)  # the server's policy follower: NOTIFY, 1 s poll at worst
        result = asyncio.run(run(server.base, server.key, operator, args.held, args.rate,
                                 args.seconds))  # fmt: skip
    result.update(rate=args.rate, seconds=args.seconds,
                  when=datetime.now(UTC).isoformat(timespec="seconds"))  # fmt: skip
    print(json.dumps(result, indent=2))
    w, d, a = result["without"], result["with"], result["after"]
    print(f"\n| allowed PreToolUse at {args.rate}/s | p50 ms | p99 ms |")
    print("|---|---|---|")
    for name, phase in (("without held hooks", w), (f"with {args.held} held", d),
                        ("after, none held", a)):  # fmt: skip
        c, s = phase["client_ms"], phase["server_total_ms"]  # type: ignore[index]
        print(f"| {name}: round trip | {c['p50']:.2f} | {c['p99']:.2f} |")
        print(f"| {name}: server whole request | {s['p50']:.2f} | {s['p99']:.2f} |")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / f"approvals-{datetime.now(UTC):%Y%m%dT%H%M%S}.json").write_text(
        json.dumps(result, indent=2)
    )


if __name__ == "__main__":
    main()
