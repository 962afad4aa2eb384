"""Incremental per-session sliding-window features.

``SessionFeatureState`` keeps O(1) running counters over the last ``WINDOW_EVENTS`` events plus a
few session totals; ``update`` costs a handful of dictionary operations and ``vector`` builds the
float32 feature vector in ``FEATURE_NAMES`` order. Invariants: every windowed counter equals what a
full recomputation over the window would give (events leave the window exactly once), and the
vector depends only on the events seen, never on wall-clock time.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ml.features.events import (
    COMPLETION_KINDS,
    EDIT_TOOLS,
    TOOL_FAMILIES,
    SessionEvent,
    is_network,
    is_sensitive,
    tool_family,
)
from ml.features.schema import WINDOW_EVENTS

__all__ = ["SessionFeatureState"]

_N_FAMILIES = len(TOOL_FAMILIES)


@dataclass(slots=True)
class _Slot:
    """What one event contributed to the windowed counters (undone when it leaves)."""

    gap: float
    family: int  # -1 when not a tool request
    completion: int
    failed: int
    decision: int
    denied: int
    asked: int
    command: str
    edit_path: str
    edit_key: tuple[str, str, str] | None
    undo: int
    tokens: float
    cost: float
    sub: int
    notification: int
    sensitive: int
    duration: float
    timed: int


class SessionFeatureState:
    """Running features of one session; feed events in arrival order."""

    __slots__ = (
        "_asked",
        "_burn_known",
        "_commands",
        "_compactions",
        "_completions",
        "_cost_total",
        "_costs_w",
        "_current_command",
        "_decisions",
        "_denied",
        "_dur_n",
        "_dur_sum",
        "_edit_keys",
        "_edit_paths",
        "_failed",
        "_families",
        "_flagged_seq",
        "_gap_sq",
        "_gap_sum",
        "_last_gap",
        "_last_sensitive_seq",
        "_last_ts",
        "_notifications",
        "_prompts",
        "_run",
        "_sensitive",
        "_seq",
        "_started",
        "_sub_events",
        "_subagents_active",
        "_subagents_started",
        "_tokens_total",
        "_tokens_w",
        "_ts",
        "_undos",
        "_window",
        "_window_size",
    )

    def __init__(self, window: int = WINDOW_EVENTS) -> None:
        self._window_size = window
        self._window: deque[_Slot] = deque()
        self._ts: deque[float] = deque()
        self._families = [0] * _N_FAMILIES
        self._commands: Counter[str] = Counter()
        self._edit_paths: Counter[str] = Counter()
        self._edit_keys: Counter[tuple[str, str, str]] = Counter()
        self._completions = self._failed = self._decisions = self._denied = self._asked = 0
        self._undos = self._sub_events = self._notifications = self._sensitive = 0
        self._gap_sum = self._gap_sq = self._dur_sum = 0.0
        self._dur_n = 0
        self._tokens_w = self._costs_w = 0.0
        self._seq = self._run = self._prompts = self._compactions = 0
        self._subagents_started = self._subagents_active = 0
        self._tokens_total = self._cost_total = 0.0
        self._burn_known = False
        self._started: float | None = None
        self._last_ts: float | None = None
        self._last_gap = 0.0
        self._current_command = ""
        self._last_sensitive_seq = -(10**9)
        self._flagged_seq = -(10**9)

    @property
    def events_seen(self) -> int:
        """Number of events fed so far."""
        return self._seq

    def update(self, event: SessionEvent) -> None:  # noqa: PLR0915 - one flat dispatch is fastest
        """Fold one event into the state (O(1) amortised)."""
        ts = event.at.timestamp()
        if self._started is None:
            self._started = ts
        gap = 0.0 if self._last_ts is None else max(0.0, ts - self._last_ts)
        self._last_ts, self._last_gap = ts, gap
        self._seq += 1
        kind = event.kind
        slot = _Slot(gap, -1, 0, 0, 0, 0, 0, "", "", None, 0, 0.0, 0.0, 0, 0, 0, 0.0, 0)
        slot.sub = int(event.agent != "main")
        if kind == "PreToolUse":
            slot.family = tool_family(event.tool)
            text = event.command or event.path
            if event.command:
                slot.command = event.command
                self._current_command = event.command
            if is_sensitive(text):
                slot.sensitive = 1
                self._last_sensitive_seq = self._seq
            elif (event.tool in ("WebFetch", "WebSearch") or is_network(event.command)) and (
                self._seq - self._last_sensitive_seq < self._window_size
            ):
                self._flagged_seq = self._seq
        elif kind in COMPLETION_KINDS:
            slot.completion = 1
            failed = int(kind == "PostToolUseFailure" or event.outcome == "failed")
            slot.failed = failed
            self._run = self._run + 1 if failed else 0
            if event.duration_ms is not None:
                slot.duration, slot.timed = math.log1p(max(0.0, event.duration_ms)), 1
            if event.tool in EDIT_TOOLS and event.path and not failed:
                slot.edit_path = event.path
                key = (event.path, event.edit_from, event.edit_to)
                if event.edit_from or event.edit_to:
                    slot.edit_key = key
                    undo = (event.path, event.edit_to, event.edit_from)
                    slot.undo = int(self._edit_keys.get(undo, 0) > 0)
        elif kind == "Decision":
            slot.decision = 1
            slot.denied = int(event.decision == "deny" or event.outcome == "denied")
            slot.asked = int(event.decision == "ask")
        elif kind == "UserPromptSubmit":
            self._prompts += 1
        elif kind == "SubagentStart":
            self._subagents_started += 1
            self._subagents_active += 1
        elif kind == "SubagentStop":
            self._subagents_active = max(0, self._subagents_active - 1)
        elif kind == "PreCompact":
            self._compactions += 1
        elif kind in ("Notification", "PermissionRequest"):
            slot.notification = 1
        tokens = (event.input_tokens or 0) + (event.output_tokens or 0)
        if event.input_tokens is not None or event.output_tokens is not None:
            self._burn_known = True
        if event.cost_usd is not None:
            self._burn_known = True
        slot.tokens, slot.cost = float(tokens), float(event.cost_usd or 0.0)
        self._tokens_total += slot.tokens
        self._cost_total += slot.cost
        self._push(slot, ts)

    def _push(self, slot: _Slot, ts: float) -> None:
        if len(self._window) == self._window_size:
            self._apply(self._window.popleft(), -1)
            self._ts.popleft()
        self._window.append(slot)
        self._ts.append(ts)
        self._apply(slot, 1)

    def _apply(self, s: _Slot, sign: int) -> None:
        if s.family >= 0:
            self._families[s.family] += sign
        if s.command:
            self._commands[s.command] += sign
        if s.edit_path:
            self._edit_paths[s.edit_path] += sign
        if s.edit_key is not None:
            self._edit_keys[s.edit_key] += sign
        self._completions += s.completion * sign
        self._failed += s.failed * sign
        self._decisions += s.decision * sign
        self._denied += s.denied * sign
        self._asked += s.asked * sign
        self._undos += s.undo * sign
        self._sub_events += s.sub * sign
        self._notifications += s.notification * sign
        self._sensitive += s.sensitive * sign
        self._gap_sum += s.gap * sign
        self._gap_sq += s.gap * s.gap * sign
        self._dur_sum += s.duration * sign
        self._dur_n += s.timed * sign
        self._tokens_w += s.tokens * sign
        self._costs_w += s.cost * sign

    def vector(self) -> npt.NDArray[np.float32]:
        """The current feature vector, ordered as ``FEATURE_NAMES``."""
        n = len(self._window)
        requests = sum(self._families)
        mix = [c / requests for c in self._families] if requests else [0.0] * _N_FAMILIES
        completions, decisions = self._completions, self._decisions
        commands = {k: v for k, v in self._commands.items() if v > 0} if self._commands else {}
        n_commands = sum(commands.values())
        current = commands.get(self._current_command, 0)
        edit_paths = [v for v in self._edit_paths.values() if v > 0]
        edits = sum(edit_paths)
        gaps = max(1, n - 1)
        mean_gap = self._gap_sum / gaps
        var = max(0.0, self._gap_sq / gaps - mean_gap * mean_gap)
        span = max(1.0, self._ts[-1] - self._ts[0]) if n else 1.0
        session_span = max(1.0, (self._last_ts or 0.0) - (self._started or 0.0))
        window_rate = self._costs_w / span if self._costs_w else self._tokens_w / span
        session_rate = (
            self._cost_total / session_span
            if self._cost_total
            else self._tokens_total / session_span
        )
        ratio = math.log((window_rate + 1e-9) / (session_rate + 1e-9)) if session_rate else 0.0
        values = [
            math.log1p(self._seq),
            *mix,
            requests,
            self._failed / completions if completions else 0.0,
            min(self._run, 20),
            self._failed,
            self._denied / decisions if decisions else 0.0,
            self._denied,
            self._asked,
            max(commands.values()) if commands else 0,
            current,
            len(commands) / n_commands if n_commands else 1.0,
            self._undos,
            max(edit_paths) if edit_paths else 0,
            len(edit_paths),
            edits / len(edit_paths) if edit_paths else 0.0,
            math.log1p(mean_gap),
            math.log1p(self._last_gap),
            math.sqrt(var) / mean_gap if mean_gap > 0 else 0.0,
            math.log1p(60.0 * n / span),
            self._dur_sum / self._dur_n if self._dur_n else 0.0,
            math.log1p(60.0 * self._tokens_w / span),
            math.log1p(6000.0 * self._costs_w / span),  # cents per minute
            math.log1p(100.0 * self._cost_total),
            float(self._burn_known),
            max(-3.0, min(3.0, ratio)),
            min(self._subagents_started, 20),
            self._subagents_active,
            self._sub_events / n if n else 0.0,
            min(self._compactions, 20),
            math.log1p(self._prompts),
            self._notifications,
            self._sensitive,
            float(self._seq - self._flagged_seq < self._window_size),
        ]
        return np.asarray(values, dtype=np.float32)

    def update_and_vector(self, event: SessionEvent) -> npt.NDArray[np.float32]:
        """``update`` then ``vector``: the features just after ``event``."""
        self.update(event)
        return self.vector()
