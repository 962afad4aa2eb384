"""Judging alone: time per PreToolUse call against the default policy, in process.

Every Bash, file-tool and MCP call of the corpus (tests/corpus/claude_hooks) and of the red-team
suite (tests/unit/test_guardrail_red_team.py), and the hook load's unique Bash lines
(``npm test -- --run N``), are judged ``--rounds`` times with a fresh ``ToolCall`` each time,
and the time of each judgement is recorded. Each call is judged twice, interleaved: with the
product's Bash parser (tree-sitter-bash) and with the bashlex reader it replaced
(``tests/unit/bashlex_oracle.py``, needs the dev extra), so ``old / new`` compares the two in
the same run. The baseline, measured over the same calls, is decoding the hook's JSON body
(``json.loads``), the cheapest thing every request does anyway.

Usage:  python benchmarks/judge.py [--rounds 20] [--code OTHER_CHECKOUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from importlib.machinery import SourceFileLoader
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# --code DIR judges with another checkout's domain (e.g. the commit before a change), over the
# same calls, in the same run: compare the two figures, not either with a number from elsewhere.
CODE = Path(sys.argv[sys.argv.index("--code") + 1]) if "--code" in sys.argv else ROOT
sys.path.insert(0, str(CODE))
sys.path.insert(1, str(ROOT))

from domain.guardrails import bash
from domain.guardrails.defaults import default_rules
from domain.guardrails.rules import evaluate, ordered
from domain.guardrails.values import ToolCall
from tests.unit import bashlex_oracle

red_team = SourceFileLoader(
    "red_team", str(ROOT / "tests/unit/test_guardrail_red_team.py")
).load_module()


def corpus_calls() -> list[tuple[str, dict[str, object]]]:
    calls = []
    for path in sorted((ROOT / "tests/corpus/claude_hooks").rglob("*.json")):
        try:
            hook = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            continue
        if isinstance(hook, dict) and hook.get("hook_event_name") == "PreToolUse":
            calls.append((str(hook.get("tool_name", "")), dict(hook.get("tool_input") or {})))
    return calls


def red_team_calls() -> list[tuple[str, dict[str, object]]]:
    bash = [c for _, c in red_team.DENIED_BASH + red_team.ASKED_BASH] + red_team.ALLOWED_BASH
    calls: list[tuple[str, dict[str, object]]] = [("Bash", {"command": c}) for c in bash]
    calls += [("mcp__db__execute", dict(i)) for i in red_team.SQL_DENIED]
    return calls + list(red_team.DENIED_OTHER) + list(red_team.ALLOWED_OTHER)


def percentile(values: list[float], q: float) -> float:
    ordered_values = sorted(values)
    return ordered_values[min(len(ordered_values) - 1, round(q / 100 * (len(ordered_values) - 1)))]


def unique_calls(count: int = 500) -> list[tuple[str, dict[str, object]]]:
    """The hook load's Bash lines: each one unique, so no parse cache ever hits."""
    return [("Bash", {"command": f"npm test -- --run {n}"}) for n in range(count)]


def measure(
    calls: list[tuple[str, dict[str, object]]], rounds: int, *, cold: bool
) -> tuple[list[float], list[float], list[float]]:
    """Judge times with the new parser and the old one, and JSON-decode times; ``cold``
    forgets cached parses before each call."""
    rules = ordered(default_rules())
    bodies = [json.dumps({"hook_event_name": "PreToolUse", "tool_name": t, "tool_input": i})
              for t, i in calls]  # fmt: skip
    new: list[float] = []
    old: list[float] = []
    parsed: list[float] = []
    for _ in range(rounds):
        for (tool, tool_input), body in zip(calls, bodies, strict=True):
            if cold:
                bash.parse_cached.cache_clear()
                bashlex_oracle.parse_cached.cache_clear()
            started = time.perf_counter()
            json.loads(body)
            parsed.append(time.perf_counter() - started)
            started = time.perf_counter()
            evaluate(rules, ToolCall(tool, tool_input, "bench"))
            new.append(time.perf_counter() - started)
            started = time.perf_counter()
            evaluate(rules, bashlex_oracle.OracleToolCall(tool, tool_input, "bench"))
            old.append(time.perf_counter() - started)
    return new, old, parsed


def parse_times(
    calls: list[tuple[str, dict[str, object]]], rounds: int
) -> tuple[list[float], list[float]]:
    """Parsing alone (no cache), new and old, over the Bash lines of ``calls``."""
    commands = [str(i["command"]) for t, i in calls if t == "Bash" and "command" in i]
    new: list[float] = []
    old: list[float] = []
    for _ in range(rounds):
        for command in commands:
            started = time.perf_counter()
            bash.parse(command)
            new.append(time.perf_counter() - started)
            started = time.perf_counter()
            bashlex_oracle.parse(command)
            old.append(time.perf_counter() - started)
    return new, old


def line(label: str, us: list[float]) -> str:
    return (f"  {label:<12} p50 {percentile(us, 50):8.1f} us  p99 {percentile(us, 99):8.1f} us"
            f"  max {max(us):8.1f} us  mean {statistics.fmean(us):8.1f} us")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--code", help="judge with the domain package of this checkout")
    args = parser.parse_args()
    for name, calls, cold in (
        ("hook load, unique Bash lines (npm test -- --run N)", unique_calls(), True),
        ("corpus, first sight of each command", corpus_calls(), True),
        ("red team, first sight of each command", red_team_calls(), True),
        ("red team, repeated commands (parse cache)", red_team_calls(), False),
    ):
        judged, old, decoded = measure(calls, args.rounds, cold=cold)
        us, old_us, base = ([v * 1e6 for v in d] for d in (judged, old, decoded))
        print(f"{name}: {len(calls)} calls x {args.rounds} rounds")
        print(line("judge (new)", us))
        print(line("judge (old)", old_us))
        print(
            f"  json         p50 {percentile(base, 50):8.1f} us  p99 {percentile(base, 99):8.1f} us"
        )
        if cold:
            parse_new, parse_old = ([v * 1e6 for v in d] for d in parse_times(calls, args.rounds))
            print(line("parse (new)", parse_new))
            print(line("parse (old)", parse_old))
            ratio = percentile(parse_old, 50) / percentile(parse_new, 50)
            print(f"  parse old / new (p50): {ratio:.1f}x")
        print(f"  old / new: p50 {percentile(old_us, 50) / percentile(us, 50):.1f}x,"
              f" mean {statistics.fmean(old_us) / statistics.fmean(us):.1f}x;"
              f"  new judge / json (p50): {percentile(us, 50) / percentile(base, 50):.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
