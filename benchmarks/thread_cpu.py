"""CPU seconds a running process spends per thread name (Linux /proc), until it exits.

Run it beside another benchmark to see where a worker's CPU goes, for example chDB's merge
threads (``MergeMutate``) in ``observatory project event_analytics`` during
``benchmarks/projections.py``. It waits for a process whose command line contains ``--match``
(other than itself), samples every thread's utime + stime and nice value every ``--every``
seconds, and when the process is gone prints seconds per thread name, busiest first.

Usage:  python benchmarks/thread_cpu.py --match "project event_analytics" [--every 0.5]
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def find(match: str, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if match in command and "thread_cpu.py" not in command:
                return int(entry.name)
        time.sleep(0.1)
    return None


def threads(pid: int) -> dict[int, tuple[str, float, int]]:
    """tid -> (name, CPU seconds, nice) now."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "stat").read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        out[int(task.name)] = (name, (int(fields[11]) + int(fields[12])) / TICK, int(fields[16]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--match", required=True)
    parser.add_argument("--every", type=float, default=0.5)
    parser.add_argument("--wait", type=float, default=120, help="seconds to wait for it")
    args = parser.parse_args()
    pid = find(args.match, args.wait)
    if pid is None:
        raise SystemExit(f"no process matching {args.match!r}")
    seen: dict[int, tuple[str, float, int]] = {}
    started = time.monotonic()
    while Path(f"/proc/{pid}").exists():
        try:
            seen.update(threads(pid))
        except OSError:
            break
        time.sleep(args.every)
    elapsed = time.monotonic() - started
    by_name: dict[str, float] = defaultdict(float)
    nice: dict[str, int] = {}
    for name, seconds, niceness in seen.values():
        by_name[name] += seconds
        nice[name] = niceness
    total = sum(by_name.values())
    print(f"pid {pid} ({args.match}): {total:.1f} CPU s over {elapsed:.1f} s")
    print("| thread | CPU s | share | nice |\n|---|---|---|---|")
    for name, seconds in sorted(by_name.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.05:
            print(f"| {name} | {seconds:.1f} | {seconds / total:.0%} | {nice[name]} |")


if __name__ == "__main__":
    main()
