"""Claude Code's hook output for a ruling, exactly as documented.

PreToolUse: ``hookSpecificOutput.permissionDecision`` (allow | ask | deny) with
``permissionDecisionReason``. PermissionRequest: ``hookSpecificOutput.decision.behavior``
(allow | deny) with ``message`` on deny; it has no "ask" (the dialog is the asking), so an ask
ruling answers nothing. No ruling, or nothing decided: an empty body, and Claude Code's own
permission flow applies. A ruling that decides nothing but names a rule (a budget rule's
warning) answers ``systemMessage``, the warning Claude Code shows the user.
"""

from __future__ import annotations

import json
from typing import Any

from domain.sessions.ruling import Ruling


def hook_output(ruling: Ruling | None) -> bytes:
    if ruling is None:
        return b""
    if ruling.decision is None:
        if ruling.rule_id and ruling.message:
            return json.dumps({"systemMessage": ruling.message}, ensure_ascii=False).encode()
        return b""
    output: dict[str, Any]
    if ruling.hook == "PreToolUse":
        output = {
            "hookEventName": "PreToolUse",
            "permissionDecision": ruling.decision,
            "permissionDecisionReason": ruling.message or "",
        }
    elif ruling.hook == "PermissionRequest" and ruling.decision in ("allow", "deny"):
        decision: dict[str, Any] = {"behavior": ruling.decision}
        if ruling.decision == "deny":
            decision["message"] = ruling.message or ""
        output = {"hookEventName": "PermissionRequest", "decision": decision}
    else:
        return b""
    return json.dumps({"hookSpecificOutput": output}, ensure_ascii=False).encode()
