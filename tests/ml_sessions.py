"""Generated labelled sessions (``ml.training``) as the Claude Code hooks that would carry them.

The generator speaks ``SessionEvent``; the product ingests hook JSON. This turns one into the
other so end-to-end tests can stream realistic normal and failing sessions over HTTP, each
hook received at the time the generator gave it (the test drives the server's clock).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ml.features import SessionEvent
from ml.training.generator import GeneratedSession, generate_sessions

_TOOL_HOOKS = ("PreToolUse", "PostToolUse", "PostToolUseFailure")


def pick(mode: str, seed: int = 11, n: int = 60) -> GeneratedSession:
    """The first generated session of a mode (deterministic for a seed)."""
    return next(s for s in generate_sessions(n, seed) if s.mode == mode)


def _tool_input(event: SessionEvent) -> dict[str, Any]:
    if event.tool == "Bash":
        return {"command": event.command or "true"}
    if event.tool in ("Grep", "Glob"):
        return {"pattern": event.command or "*"}
    found: dict[str, Any] = {"file_path": event.path or "/repo/README.md"}
    if event.edit_from or event.edit_to:
        found.update(old_string=event.edit_from, new_string=event.edit_to)
    return found


def hooks(session: GeneratedSession, session_id: str) -> Iterator[tuple[datetime, dict[str, Any]]]:
    """(when it happened, the hook JSON) for every event Claude Code would post."""
    pending: dict[str, list[str]] = {}
    calls = 0
    for event in session.events:
        if event.kind in ("Decision", "Quarantined"):
            continue  # Observatory's own events, not hooks
        body: dict[str, Any] = {"session_id": session_id, "hook_event_name": event.kind,
                                "cwd": "/repo", "transcript_path": f"/t/{session_id}.jsonl"}  # fmt: skip
        if event.agent != "main":
            body.update(agent_id=f"agent-{event.agent}", agent_type=event.agent)
        if event.kind in _TOOL_HOOKS:
            if event.kind == "PreToolUse":
                calls += 1
                pending.setdefault(event.tool, []).append(f"toolu_{session_id}_{calls}")
                tool_use_id = pending[event.tool][-1]
            else:
                queue = pending.get(event.tool) or [f"toolu_{session_id}_orphan{calls}"]
                tool_use_id = queue.pop(0)
            body.update(tool_name=event.tool, tool_use_id=tool_use_id,
                        tool_input=_tool_input(event))  # fmt: skip
            if event.kind != "PreToolUse":
                body["tool_response"] = {}
                if event.duration_ms is not None:
                    body["duration_ms"] = event.duration_ms
            if event.kind == "PostToolUseFailure":
                body["error"] = "exit status 1"
        elif event.kind == "SessionStart":
            body["source"] = "startup"
        elif event.kind == "UserPromptSubmit":
            body["prompt"] = "carry on"
        elif event.kind in ("SubagentStart", "SubagentStop"):
            body.setdefault("agent_id", "agent-sub")
            body.setdefault("agent_type", event.agent if event.agent != "main" else "Explore")
        elif event.kind == "SessionEnd":
            body["reason"] = "other"
        elif event.kind == "Notification":
            body["message"] = "Claude needs your permission"
        yield event.at, body
