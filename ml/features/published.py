"""Published event documents -> the ML package's ``SessionEvent`` (lossy on purpose).

The scoring reaction reads the public stream (docs/stream.md): hook events carry the redacted
hook JSON; decisions and quarantines are project events. Only the shape of what happened is
kept: tool, outcome, the command or path (for repeat and secret-file features), hashes of an
edit's old and new text (for undo cycles), duration, agent, decision.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from ml.features import SessionEvent

_OUTCOMES = {"PostToolUse": "ok", "PostToolUseFailure": "failed", "PermissionDenied": "denied"}
_TARGET_KEYS = ("command", "file_path", "notebook_path", "path", "pattern", "url", "query")


def _short_hash(text: object) -> str:
    return hashlib.blake2b(str(text).encode(), digest_size=8).hexdigest() if text else ""


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def session_event(document: dict[str, Any]) -> SessionEvent | None:
    """The record for one published document, or None when it is not about a session's work."""
    data = document.get("data") or {}
    at = datetime.fromisoformat(str(document["at"]))
    kind = document.get("type")
    if kind == "tool_call_decided":
        return SessionEvent(at=at, kind="Decision", tool=data.get("tool_name") or "",
                            decision=data.get("decision") or "",
                            agent="subagent" if data.get("agent_id") else "main")  # fmt: skip
    if kind == "quarantine_imposed":
        return SessionEvent(at=at, kind="Quarantined")
    hook = data.get("hook")
    if not isinstance(hook, str):
        return None
    payload = _object(data.get("payload"))
    tool_input = _object(payload.get("tool_input"))
    target = next((str(tool_input[k]) for k in _TARGET_KEYS if tool_input.get(k)), "")
    tool = data.get("tool_name") or payload.get("tool_name") or ""
    command = target if "command" in tool_input or tool in ("Grep", "Glob") else ""
    return SessionEvent(
        at=at, kind=hook, tool=str(tool), outcome=_OUTCOMES.get(hook, ""),
        command=command, path="" if command else target,
        agent=data.get("agent_type") or ("subagent" if data.get("agent_id") else "main"),
        edit_from=_short_hash(tool_input.get("old_string")),
        edit_to=_short_hash(tool_input.get("new_string")),
        duration_ms=data.get("duration_ms") if isinstance(data.get("duration_ms"), (int, float))
        else None,
    )  # fmt: skip
