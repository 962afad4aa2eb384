"""Event-by-event construction of one synthetic session (used by ``generator``).

``SessionBuilder`` advances a simulated arrival clock and emits the hook sequence a real Claude Code
session produces for each tool call: ``PreToolUse`` → ``Decision`` → ``PostToolUse`` or
``PostToolUseFailure`` (no completion when denied), with token and cost telemetry on the main
agent's completions when the tenant reports it. Invariant: all randomness comes from ``rng``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import numpy as np

from ml.features import SessionEvent
from ml.training import shapes as S

__all__ = ["SessionBuilder"]


def _h(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


class SessionBuilder:
    """Appends events for one session, advancing a simulated arrival clock."""

    def __init__(self, rng: np.random.Generator, tenant: S.TenantProfile, start: datetime) -> None:
        self.rng, self.tenant, self.now = rng, tenant, start
        self.events: list[SessionEvent] = []
        self.context = tenant.tokens_per_turn * float(rng.lognormal(0.0, 0.3))
        self.growth = 1.0
        self.agent = "main"

    def wait(self, seconds: float) -> None:
        self.now += timedelta(seconds=max(0.01, seconds))

    def think(self, scale: float = 1.0) -> None:
        self.wait(scale * self.tenant.think_seconds * float(self.rng.lognormal(0.0, 0.6)))

    def emit(self, kind: str, **fields: object) -> None:
        self.events.append(SessionEvent(at=self.now, kind=kind, agent=self.agent, **fields))  # type: ignore[arg-type]

    def call(
        self,
        tool: str,
        *,
        command: str = "",
        path: str = "",
        fail: bool = False,
        decision: str = "allow",
        edit: tuple[str, str] = ("", ""),
        seconds: float | None = None,
        big: float = 1.0,
    ) -> None:
        """One tool call: request, guardrail decision, completion (none when denied)."""
        self.think()
        self.emit("PreToolUse", tool=tool, command=command, path=path)
        self.wait(0.003)
        self.emit("Decision", tool=tool, decision=decision,
                  outcome="denied" if decision == "deny" else "")  # fmt: skip
        if decision == "deny":
            return
        took = seconds if seconds is not None else float(self.rng.lognormal(0.0, 1.0))
        self.wait(took)
        tokens: dict[str, object] = {}
        if self.tenant.reports_cost and self.agent == "main":
            self.context = min(190_000.0, self.context * self.growth * big)
            tin = int(self.context * float(self.rng.lognormal(0.0, 0.15)))
            tout = int(self.rng.lognormal(6.0, 0.7))
            tokens = {"input_tokens": tin, "output_tokens": tout,
                      "cost_usd": round(tin * 3e-6 + tout * 15e-6, 6)}  # fmt: skip
        self.emit("PostToolUseFailure" if fail else "PostToolUse", tool=tool, command=command,
                  path=path, outcome="failed" if fail else "ok", edit_from=edit[0],
                  edit_to=edit[1], duration_ms=1000.0 * took, **tokens)  # fmt: skip

    def pick(self, options: tuple[str, ...]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def explore(self, steps: int) -> None:
        for _ in range(steps):
            r = self.rng.random() * (self.tenant.read_weight + 1.0)
            if r < self.tenant.read_weight:
                self.call("Read", path=self.pick(S.SOURCE_FILES))
            elif r < self.tenant.read_weight + 0.8:
                self.call(self.pick(("Grep", "Glob")), command=self.pick(S.SEARCH_PATTERNS))
            else:
                self.call(self.pick(S.MCP_TOOLS), fail=self.rng.random() < 0.05)

    def edit(self, path: str | None = None, *, fail: bool = False) -> tuple[str, str]:
        path = path or self.pick(S.SOURCE_FILES[:6])
        change = (_h(f"{path}{self.rng.random()}"), _h(f"{path}{self.rng.random()}"))
        self.call(self.pick(("Edit", "Edit", "Write", "MultiEdit")), path=path, edit=change,
                  fail=fail)  # fmt: skip
        return change

    def test(self, *, fail_p: float, command: str | None = None) -> bool:
        fail = bool(self.rng.random() < fail_p)
        weight = self.tenant.bash_weight
        self.call("Bash", command=command or self.pick(S.TEST_COMMANDS), fail=fail,
                  seconds=float(self.rng.lognormal(1.5 + 0.1 * weight, 0.8)))  # fmt: skip
        return fail

    def subagent(self) -> None:
        kind = self.pick(S.SUBAGENT_TYPES)
        self.think()
        self.emit("PreToolUse", tool=self.pick(("Agent", "Task")))
        self.emit("Decision", tool="Agent", decision="allow")
        self.emit("SubagentStart")
        self.agent = kind
        self.explore(int(self.rng.integers(2, 7)))
        self.agent = "main"
        self.emit("SubagentStop")
        self.emit("PostToolUse", tool="Agent", outcome="ok")

    def work(self, rounds: int) -> None:
        """Normal engineering: explore, edit, test, chores, with realistic noise."""
        self.explore(int(self.rng.integers(1, 5)))
        for _ in range(rounds):
            r = self.rng.random()
            if r < 0.12:
                self.subagent()
            if r > 0.97:
                self.emit("PreCompact")
                self.emit("PostCompact")
            self.edit(fail=self.rng.random() < 0.04)
            if self.rng.random() < 0.6 * self.tenant.bash_weight:
                self.test(fail_p=0.3)
            if self.rng.random() < 0.3:
                self.explore(int(self.rng.integers(1, 3)))
            if self.rng.random() < 0.25 * self.tenant.bash_weight:
                self.call("Bash", command=self.pick(S.CHORE_COMMANDS))
            self.noise()

    def noise(self) -> None:
        """Hard negatives: benign patterns that look like a failure mode to a plain rule."""
        r = self.rng.random()
        if r < 0.012:  # rerun a flaky test to confirm it
            flaky = self.pick(S.TEST_COMMANDS)
            for _ in range(int(self.rng.integers(3, 5))):
                self.test(fail_p=0.5, command=flaky)
        elif r < 0.025:  # a short failure streak that recovers
            for _ in range(int(self.rng.integers(2, 4))):
                self.call("Bash", command="npm install", fail=True)
            self.call("Bash", command="npm install")
        elif r < 0.035:
            self.call("Bash", command=self.pick(S.BENIGN_NETWORK))
        elif r < 0.040:
            self.call("Read", path=S.SECRET_PATHS[0], decision="deny")
        elif r < 0.046:  # a legitimately big context (reading a generated file)
            self.call("Read", path=f"{S.REPO}/dist/bundle.js", big=2.5)
            self.context /= 2.5
        elif r < 0.052:
            self.emit("Notification")
            self.think(20.0)
