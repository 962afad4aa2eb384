"""The Claude Code hook catalogue, and the facts we read from a hook payload.

Claude Code sends 33 hook kinds today (https://code.claude.com/docs/en/hooks). Each known
kind has its own event class; a kind we do not know yet is kept whole as ``Observed`` and
never rejected. Only the fields we use are type-checked: the payload itself is kept as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.sessions.errors import HookPayloadInvalidError
from domain.sessions.values import ToolName, is_hook_name, is_identifier

KNOWN_HOOKS: dict[str, str] = {
    "SessionStart": "Started",
    "Setup": "SetupRan",
    "UserPromptSubmit": "PromptSubmitted",
    "UserPromptExpansion": "PromptExpanded",
    "PreToolUse": "ToolCallRequested",
    "PermissionRequest": "PermissionRequested",
    "PermissionDenied": "PermissionDenied",
    "PostToolUse": "ToolCallCompleted",
    "PostToolUseFailure": "ToolCallFailed",
    "PostToolBatch": "ToolBatchCompleted",
    "Notification": "Notified",
    "MessageDisplay": "MessageDisplayed",
    "SubagentStart": "SubagentStarted",
    "SubagentStop": "SubagentStopped",
    "TaskCreated": "TaskCreated",
    "TaskCompleted": "TaskCompleted",
    "Stop": "Stopped",
    "StopFailure": "StopFailed",
    "TeammateIdle": "TeammateIdled",
    "InstructionsLoaded": "InstructionsLoaded",
    "ConfigChange": "ConfigChanged",
    "CwdChanged": "CwdChanged",
    "DirectoryAdded": "DirectoryAdded",
    "FileChanged": "FileChanged",
    "WorktreeCreate": "WorktreeCreated",
    "WorktreeRemove": "WorktreeRemoved",
    "PreCompact": "CompactionStarted",
    "PostCompact": "Compacted",
    "PreModelSwitch": "ModelSwitchRequested",
    "PostModelSwitch": "ModelSwitched",
    "Elicitation": "ElicitationRequested",
    "ElicitationResult": "ElicitationAnswered",
    "SessionEnd": "Ended",
}
"""Hook name -> event class name on ``AgentSession``; anything else becomes ``Observed``."""

TOOL_HOOKS = frozenset(
    {"PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionRequest", "PermissionDenied"}
)
SUBAGENT_HOOKS = frozenset({"SubagentStart", "SubagentStop"})
BATCH_HOOK = "PostToolBatch"
"""Names several tool calls at once, in ``tool_calls`` (one item per call of the batch)."""

_STRING_FIELDS = (
    "transcript_path",
    "cwd",
    "permission_mode",
    "prompt_id",
    "agent_type",
    "model",
    "source",
)


@dataclass(frozen=True)
class HookFacts:
    """What the domain reads from one hook payload (the payload itself is kept whole)."""

    session_id: str
    hook: str
    agent_id: str | None = None
    agent_type: str | None = None
    tool: ToolName | None = None
    tool_use_id: str | None = None
    subagent_type: str | None = None
    duration_ms: float | None = None
    cwd: str | None = None
    model: str | None = None

    @property
    def event_name(self) -> str:
        return KNOWN_HOOKS.get(self.hook, "Observed")

    @property
    def spawns_subagent(self) -> bool:
        return self.hook == "PreToolUse" and self.tool is not None and self.tool.spawns_subagent

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> HookFacts:
        """Reads and checks the fields we rely on; raises ``HookPayloadInvalidError``."""
        problems: list[str] = []
        session_id = _identifier(payload, "session_id", problems, required=True)
        hook = payload.get("hook_event_name")
        if hook is None:
            problems.append("hook_event_name: required")
        elif not isinstance(hook, str) or not is_hook_name(hook):
            problems.append("hook_event_name: expected a hook name such as PreToolUse")
        for name in _STRING_FIELDS:
            _optional_str(payload, name, problems)
        agent_id = _identifier(payload, "agent_id", problems)
        tool_use_id = _identifier(payload, "tool_use_id", problems)
        tool_name = _optional_str(payload, "tool_name", problems, max_len=256)
        tool_input = payload.get("tool_input")
        if tool_input is not None and not isinstance(tool_input, dict):
            problems.append("tool_input: expected an object")
        duration = _duration(payload.get("duration_ms"), problems)
        if hook == BATCH_HOOK:
            _check_batch(payload.get("tool_calls"), problems)
        if problems or session_id is None or not isinstance(hook, str):
            raise HookPayloadInvalidError(problems or ["session_id, hook_event_name: required"])
        subagent_type = None
        if isinstance(tool_input, dict):
            value = tool_input.get("subagent_type")
            subagent_type = value if isinstance(value, str) else None
        return cls(
            session_id=session_id,
            hook=hook,
            agent_id=agent_id,
            agent_type=payload.get("agent_type"),
            tool=ToolName.parse(tool_name) if tool_name else None,
            tool_use_id=tool_use_id,
            subagent_type=subagent_type,
            duration_ms=duration,
            cwd=payload.get("cwd"),
            model=payload.get("model"),
        )


@dataclass(frozen=True)
class BatchCall:
    """One tool call named by a ``PostToolBatch`` hook: it has run and its result is in."""

    tool_use_id: str
    tool: ToolName | None


def batch_calls(payload: Mapping[str, Any]) -> tuple[BatchCall, ...]:
    """The calls a ``PostToolBatch`` payload names, in order, each id once.

    Tolerant by design: it reads events recorded before ingest checked these items, so an
    item without a valid ``tool_use_id`` is skipped instead of failing the projection.
    """
    items = payload.get("tool_calls")
    if not isinstance(items, list):
        return ()
    found: dict[str, BatchCall] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        call_id, name = item.get("tool_use_id"), item.get("tool_name")
        if not isinstance(call_id, str) or not is_identifier(call_id) or call_id in found:
            continue
        named = isinstance(name, str) and 0 < len(name) <= 256
        found[call_id] = BatchCall(call_id, ToolName.parse(str(name)) if named else None)
    return tuple(found.values())


def _check_batch(items: object, problems: list[str]) -> None:
    """``tool_calls`` of PostToolBatch: an array of objects with a valid ``tool_use_id``."""
    if items is None:
        return
    if not isinstance(items, list):
        problems.append(f"tool_calls: expected an array, got {_kind(items)}")
        return
    for index, item in enumerate(items[:1000]):
        if not isinstance(item, dict):
            problems.append(f"tool_calls[{index}]: expected an object, got {_kind(item)}")
            continue
        inner: list[str] = []
        _identifier(item, "tool_use_id", inner)
        _optional_str(item, "tool_name", inner, max_len=256)
        problems.extend(f"tool_calls[{index}].{problem}" for problem in inner)
        if len(problems) >= 20:
            return  # enough to say what is wrong


MAX_MS = 10**12
"""About 31 years. A bound, not a guess at real durations: read models sum durations in
double precision, and a sum of values near 1e308 overflows (PostgreSQL refuses it)."""


def _duration(value: object, problems: list[str]) -> float | None:
    """A reported duration as a float; any JSON number, bounded (never bools or text)."""
    if value is None:
        return None
    # Compared before converting: an integer of hundreds of digits has no float.
    if not isinstance(value, bool) and isinstance(value, (int, float)) and 0 <= value <= MAX_MS:
        return float(value) + 0.0  # -0.0 becomes 0.0
    problems.append(f"duration_ms: expected a number of milliseconds from 0 to {MAX_MS}")
    return None


def _optional_str(
    payload: Mapping[str, Any], name: str, problems: list[str], max_len: int = 65536
) -> str | None:
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{name}: expected a string, got {_kind(value)}")
        return None
    if len(value) > max_len:
        problems.append(f"{name}: longer than {max_len} characters")
        return None
    return value


def _identifier(
    payload: Mapping[str, Any], name: str, problems: list[str], *, required: bool = False
) -> str | None:
    value = payload.get(name)
    if value is None:
        if required:
            problems.append(f"{name}: required")
        return None
    if not isinstance(value, str):
        problems.append(f"{name}: expected a string, got {_kind(value)}")
        return None
    if not is_identifier(value):
        problems.append(
            f"{name}: not a valid id (1-128 characters of letters, digits and ._:@+=-, "
            "no path separators or '..')"
        )
        return None
    return value


def _kind(value: object) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "an array",
        dict: "an object",
        str: "a string",
    }.get(type(value), type(value).__name__)
