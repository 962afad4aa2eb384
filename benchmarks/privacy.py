"""What screening for personal data costs per hook, next to what parsing the body costs.

Screens every hook of the sample session (and a typical PreToolUse body) many times and
prints microseconds per hook, with the cost of parsing the same bytes as JSON measured in the
same run as the baseline (ratios survive a noisy machine; absolute figures do not).

    .venv/bin/python benchmarks/privacy.py [--rounds 200]
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

from domain.privacy.screening import screen_hook

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
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
