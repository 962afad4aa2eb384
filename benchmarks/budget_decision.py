"""What budget rules add to a PreToolUse decision: the product's ``Decider``, in process.

Two tenants on one policy follower and one spend ledger (the in-memory event store, filled
with ``--sessions`` sessions' model calls across 50 users and 10 teams): ``plain`` runs the
default policy, ``budgets`` the default policy plus one budget rule per scope (session, user,
team, tenant; none exhausted, so every call walks all of them). The same PreToolUse hooks
(the hook load's Bash lines) are judged for both, interleaved, ``--rounds`` times; each
judgement is timed alone. ``added`` is the difference of the medians: what configuring budgets
costs a call.

Usage:  python benchmarks/budget_decision.py [--rounds 20000] [--sessions 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from commands.guardrails.budgets import SpendLedger
from commands.guardrails.decider import Decider
from commands.guardrails.follower import PolicyFollower
from commands.guardrails.service import PolicyDesk
from domain.sessions.aggregate import AgentSession
from domain.sessions.hooks import HookFacts
from domain.sessions.telemetry import ModelUsage, TelemetryFacts

BUDGETS = [
    {"id": "session-cap", "decision": "ask", "budget": {"scope": "session", "usd": 1e6}},
    {"id": "user-day", "decision": "deny",
     "budget": {"scope": "user", "period": "day", "usd": 1e6, "warn_at": 0.8}},
    {"id": "team-month", "decision": "deny",
     "budget": {"scope": "team", "period": "month", "tokens": 1e12}},
    {"id": "tenant-day", "decision": "deny",
     "budget": {"scope": "tenant", "period": "day", "usd": 1e6}},
]  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20_000)
    parser.add_argument("--sessions", type=int, default=2_000)
    args = parser.parse_args()
    desk = PolicyDesk()
    for rule in BUDGETS:
        desk.add_rule("budgets", rule, by="bench")
    now = datetime.now(UTC)
    for n in range(args.sessions):
        for tenant in ("plain", "budgets"):
            session = AgentSession.open(tenant, f"s{n}", now)
            facts = TelemetryFacts(
                f"s{n}", "claude_code.api_request", occurred_at=now, user_id=f"u{n % 50}",
                team=f"team{n % 10}", usage=ModelUsage("m", 100, 50, 0, 0, 0.01, 10.0, None),
            )  # fmt: skip
            session.record_telemetry(facts, "{}", received_at=now, source="otlp-logs")
            desk.save(session)
    follower, ledger = PolicyFollower(desk), SpendLedger(desk)
    follower.catch_up()
    ledger.catch_up()
    decider = Decider(follower, ledger)
    payloads = [{"session_id": f"s{n % args.sessions}", "hook_event_name": "PreToolUse",
                 "tool_name": "Bash", "tool_input": {"command": f"npm test -- --run {n % 97}"},
                 "tool_use_id": f"toolu_{n}"} for n in range(args.rounds)]  # fmt: skip
    facts_of = [HookFacts.from_payload(p) for p in payloads]
    timings: dict[str, list[float]] = {"plain": [], "budgets": []}
    for payload, facts in zip(payloads, facts_of, strict=True):
        for tenant in ("plain", "budgets"):
            started = time.perf_counter()
            ruling = decider.rule(tenant, facts, payload, started)
            timings[tenant].append((time.perf_counter() - started) * 1e6)
            if ruling is None or ruling.decision is not None:
                raise SystemExit(f"unexpected ruling {ruling}")
    report = {
        name: {"median_us": round(statistics.median(v), 2), "p99_us": round(percentile(v, 99), 2)}
        for name, v in timings.items()
    }
    report["added_median_us"] = round(
        report["budgets"]["median_us"] - report["plain"]["median_us"], 2
    )
    print(json.dumps({"rounds": args.rounds, "sessions": args.sessions, **report}, indent=2))


if __name__ == "__main__":
    main()
