"""What screening for personal data costs per hook, next to what parsing the body costs.

Screens every hook of the sample session (and a typical PreToolUse body) many times and
prints microseconds per hook, with the cost of parsing the same bytes as JSON measured in the
same run as the baseline (ratios survive a noisy machine; absolute figures do not).

    .venv/bin/python benchmarks/privacy.py [--rounds 200]

``--worst-cases`` prints, for each detector's worst case (``tests/privacy_cases.py``), the
screening cost per KB at sizes from 1 KB to the body limit (``OBSERVATORY_MAX_BODY_BYTES``),
with no budget: a linear detector's row is flat. ``--sizes 1,16,256`` (KB) to choose them.

    .venv/bin/python benchmarks/privacy.py --worst-cases
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.privacy.detectors import find
from domain.privacy.screening import screen_hook
from infra.settings import Settings
from tests.privacy_cases import WORST_CASES

TYPICAL = json.dumps({
    "session_id": "bench-1", "transcript_path": "/home/dev/.claude/projects/x/bench-1.jsonl",
    "cwd": "/home/dev/src/app", "permission_mode": "default", "hook_event_name": "PreToolUse",
    "tool_name": "Bash", "tool_input": {"command": "npm test -- --run 42", "description": "Run"},
    "tool_use_id": "toolu_1_42",
})  # fmt: skip


def per_hook_us(bodies: list[str], rounds: int, work: str) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        for text in bodies:
            payload = json.loads(text)
            if work == "screen":
                screen_hook(payload, text)
    return (time.perf_counter() - started) / (rounds * len(bodies)) * 1e6


def per_kb_us(text: str) -> float:
    """Least of a few runs, repeated up to ~50 ms each (one run at the large sizes)."""
    repeat = max(1, 64 * 1024 // len(text))
    best = float("inf")
    for _ in range(3 if repeat > 1 else 1):
        started = time.process_time()
        for _ in range(repeat):
            find(text)
        best = min(best, (time.process_time() - started) / repeat)
    return best / (len(text) / 1024) * 1e6


def worst_cases(sizes_kb: list[int]) -> None:
    print(f"sizes (KB): {sizes_kb}; microseconds of CPU per KB; no budget")
    for kind, build in WORST_CASES.items():
        costs = [per_kb_us(build(size * 1024)) for size in sizes_kb]
        print(json.dumps({"detector": kind, "us_per_kb": [round(c) for c in costs],
                          "largest_over_smallest": round(costs[-1] / costs[0], 2)}), flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--worst-cases", action="store_true")
    parser.add_argument("--sizes", help="comma-separated sizes in KB (default: 1 KB to the limit)")
    args = parser.parse_args()
    if args.worst_cases:
        print(f"machine: {platform.machine()}, {platform.python_implementation()} "
              f"{platform.python_version()}")  # fmt: skip
        limit_kb = Settings.from_env().max_body_bytes // 1024
        sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [1, 4, 16, 64, 256]
        worst_cases(
            sizes if args.sizes else [*sizes, *(s for s in (1024,) if s < limit_kb), limit_kb]
        )
        return
    corpus = sorted((ROOT / "tests" / "corpus" / "claude_hooks" / "s1_ledger_api").glob("*.json"))
    sets = {
        "corpus (48 hooks, with PII)": [p.read_text() for p in corpus],
        "typical PreToolUse": [TYPICAL],
    }
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
    )
    for name, bodies in sets.items():
        parse = per_hook_us(bodies, args.rounds, "parse")
        both = per_hook_us(bodies, args.rounds, "screen")
        screen = both - parse
        print(json.dumps({"set": name, "parse_us": round(parse, 1), "screen_us": round(screen, 1),
                          "screen_over_parse": round(screen / parse, 2)}))  # fmt: skip


if __name__ == "__main__":
    main()
