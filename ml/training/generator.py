"""Deterministic generator of realistic labelled Claude Code sessions.

Each session follows the hook catalogue of the sample corpus and belongs to one mode: ``normal``
or a failure mode — ``loop`` (the same command rerun, or an edit undone and redone), ``error_storm``
(a run of tool failures), ``runaway_cost`` (context and token burn far above normal, repeated
compactions) or ``exfiltration`` (secret files read, then a network command). Normal sessions carry
hard negatives (a flaky test rerun, a short failure streak, a health-check ``curl``, a denied
``.env`` read, one big read) so plain rules are not trivially perfect; failure-mode sessions recover
some of the time and normal ones occasionally die of an API error, so labels are not the mode.
Invariant: the same ``(n, seed)`` gives the same sessions, event for event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from ml.features import SessionEvent
from ml.training import shapes as S
from ml.training.builder import SessionBuilder
from ml.training.labels import failure_points

__all__ = ["DEFAULT_MIX", "FAILURE_MODES", "MODES", "GeneratedSession", "generate_sessions"]

FAILURE_MODES = ("loop", "error_storm", "runaway_cost", "exfiltration")
MODES = ("normal", *FAILURE_MODES)
DEFAULT_MIX = (0.6, 0.1, 0.1, 0.1, 0.1)
_EPOCH = datetime(2026, 8, 18, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class GeneratedSession:
    """One labelled session. ``onset`` is the index where the failure mode starts (-1: normal)."""

    session_id: str
    tenant: str
    mode: str
    events: tuple[SessionEvent, ...]
    onset: int
    failure_at: tuple[int, ...]

    @property
    def failed(self) -> bool:
        """Whether the session reaches at least one failure point."""
        return bool(self.failure_at)


def _loop(b: SessionBuilder) -> None:
    if b.rng.random() < 0.5:
        command = b.pick(S.TEST_COMMANDS)
        for _ in range(int(b.rng.integers(6, 16))):
            b.test(fail_p=0.85, command=command)
            if b.rng.random() < 0.35:
                b.call("Read", path=b.pick(S.SOURCE_FILES))
    else:
        path = b.pick(S.SOURCE_FILES[:4])
        forth = b.edit(path)
        for _ in range(int(b.rng.integers(3, 8))):
            b.test(fail_p=0.8)
            b.call("Edit", path=path, edit=(forth[1], forth[0]))
            b.test(fail_p=0.8)
            b.call("Edit", path=path, edit=forth)


def _error_storm(b: SessionBuilder) -> None:
    for _ in range(int(b.rng.integers(4, 13))):
        b.wait(-b.tenant.think_seconds * 0.5)
        r = b.rng.random()
        if r < 0.5:
            b.call("Bash", command=b.pick(S.TEST_COMMANDS + S.CHORE_COMMANDS), fail=True)
        elif r < 0.8:
            b.edit(fail=True)
        else:
            b.call(b.pick(S.MCP_TOOLS), fail=True, seconds=30.0)


def _runaway(b: SessionBuilder) -> None:
    b.growth = float(b.rng.uniform(1.08, 1.25))
    for _ in range(int(b.rng.integers(12, 30))):
        if b.rng.random() < 0.6:
            b.call("Read", path=b.pick(S.SOURCE_FILES), big=float(b.rng.uniform(1.0, 1.4)))
        else:
            b.explore(1)
        if b.context > 150_000 and b.rng.random() < 0.5:
            b.emit("PreCompact")
            b.emit("PostCompact")
            b.context *= 0.7
    b.growth = 1.0


def _exfiltration(b: SessionBuilder) -> None:
    for _ in range(int(b.rng.integers(1, 4))):
        if b.rng.random() < 0.5:
            b.call("Read", path=b.pick(S.SECRET_PATHS), decision=b.pick(("deny", "deny", "allow")))
        else:
            b.call("Bash", command=b.pick(S.SECRET_COMMANDS), decision=b.pick(("deny", "allow")))
    if b.rng.random() < 0.5:
        b.explore(int(b.rng.integers(1, 3)))
    for _ in range(int(b.rng.integers(1, 3))):
        b.call("Bash", command=b.pick(S.EXFIL_COMMANDS), decision=b.pick(("allow", "ask", "deny")))
    if b.rng.random() < 0.7:
        b.wait(1.0)
        b.emit("Quarantined")


_MODE_BODY = {
    "loop": _loop,
    "error_storm": _error_storm,
    "runaway_cost": _runaway,
    "exfiltration": _exfiltration,
}
_ENDING_FAIL_P = {"normal": 0.03, "loop": 0.55, "error_storm": 0.45, "runaway_cost": 0.5,
                  "exfiltration": 0.1}  # fmt: skip


def _session(rng: np.random.Generator, index: int, mode: str) -> GeneratedSession:
    tenants = S.TENANTS if mode != "runaway_cost" else tuple(t for t in S.TENANTS if t.reports_cost)
    tenant = tenants[int(rng.integers(len(tenants)))]
    b = SessionBuilder(rng, tenant, _EPOCH + timedelta(minutes=int(rng.integers(0, 60 * 24 * 30))))
    b.emit("SessionStart")
    prompts = int(rng.integers(1, 4))
    failing_prompt = int(rng.integers(prompts)) if mode != "normal" else -1
    onset = -1
    for p in range(prompts):
        b.think(2.0)
        b.emit("UserPromptSubmit")
        b.work(int(rng.integers(3, 10)))
        if p == failing_prompt:
            onset = len(b.events)
            _MODE_BODY[mode](b)
            if rng.random() < _ENDING_FAIL_P[mode]:
                if rng.random() < 0.65:
                    b.emit("StopFailure")
                else:
                    b.wait(float(rng.uniform(600, 3600)))
                    b.emit("SessionEnd")
                    break
                continue
            b.work(int(rng.integers(1, 4)))
        elif mode == "normal" and rng.random() < _ENDING_FAIL_P["normal"]:
            b.emit("StopFailure")
            continue
        b.emit("Stop")
    else:
        b.wait(float(rng.uniform(5, 120)))
        b.emit("SessionEnd")
    events = tuple(b.events)
    return GeneratedSession(f"gen-{index:06d}", tenant.name, mode, events, onset,
                            tuple(failure_points(events)))  # fmt: skip


def generate_sessions(
    n: int, seed: int, mix: tuple[float, ...] = DEFAULT_MIX
) -> list[GeneratedSession]:
    """``n`` sessions with modes drawn from ``mix`` (ordered as ``MODES``), reproducible by seed."""
    rng = np.random.default_rng(seed)
    weights = np.asarray(mix, dtype=float) / float(np.sum(mix))
    modes = rng.choice(len(MODES), size=n, p=weights)
    return [_session(rng, i, MODES[int(m)]) for i, m in enumerate(modes)]
