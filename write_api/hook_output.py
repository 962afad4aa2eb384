"""Claude Code's hook output for a ruling, exactly as documented.

PreToolUse: ``hookSpecificOutput.permissionDecision`` (allow | ask | deny) with
``permissionDecisionReason``. PermissionRequest: ``hookSpecificOutput.decision.behavior``
(allow | deny) with ``message`` on deny; it has no "ask" (the dialog is the asking), so an ask
ruling answers nothing. No ruling, or nothing decided: an empty body, and Claude Code's own
permission flow applies. A ruling that decides nothing but names a rule (a budget rule's
warning) answers ``systemMessage``, the warning Claude Code shows the user.

An ``approve`` ruling is not an answer yet: its stored reply is the question (``held``), which
the gate holds until a person answers or the wait ends, then answers the outcome with
``outcome_output`` (the stored reply stays the question, so a redelivery waits for, or finds,
the same recorded outcome).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from commands.approvals.follower import Outcome
from commands.approvals.holding import Held
from domain.sessions.ruling import Ruling

_HELD = b'{"observatory_approval":'


def hook_output(ruling: Ruling | None) -> bytes:
    if ruling is None:
        return b""
    if ruling.decision is None:
        if ruling.rule_id and ruling.message:
            return json.dumps({"systemMessage": ruling.message}, ensure_ascii=False).encode()
        return b""
    if ruling.decision == "approve" and ruling.approval is not None:
        ask = ruling.approval
        held = {"request_id": ask.request_id, "hook": ruling.hook, "rule_id": ruling.rule_id,
                "expires_at": ask.expires_at.isoformat(), "on_timeout": ask.on_timeout}  # fmt: skip
        return _HELD + json.dumps(held).encode() + b"}"
    return decision_output(ruling.hook, ruling.decision, ruling.message or "")


def decision_output(hook: str, decision: str, reason: str) -> bytes:
    output: dict[str, Any]
    if hook == "PreToolUse" and decision in ("allow", "ask", "deny"):
        output = {
            "hookEventName": "PreToolUse",
            "permissionDecision": decision,
            "permissionDecisionReason": reason,
        }
    elif hook == "PermissionRequest" and decision in ("allow", "deny"):
        behaviour: dict[str, Any] = {"behavior": decision}
        if decision == "deny":
            behaviour["message"] = reason
        output = {"hookEventName": "PermissionRequest", "decision": behaviour}
    else:
        return b""
    return json.dumps({"hookSpecificOutput": output}, ensure_ascii=False).encode()


def held_of(reply: bytes) -> tuple[str, Held] | None:
    """The question in a stored reply (with its hook), or None for a plain answer."""
    if not reply.startswith(_HELD):
        return None
    data = json.loads(reply)["observatory_approval"]
    held = Held(data["request_id"], data["rule_id"], datetime.fromisoformat(data["expires_at"]),
                data["on_timeout"])  # fmt: skip
    return data["hook"], held


def outcome_output(hook: str, outcome: Outcome) -> bytes:
    """The answer the agent sees: the decision, with who decided and why in the text."""
    rule = f"rule {outcome.rule_id}, " if outcome.rule_id else ""
    where = f"({rule}approval request {outcome.request_id})"
    if outcome.kind == "expired":
        reason = f"Nobody answered in time: {outcome.decision} by default {where}"
    else:
        verb = "Approved" if outcome.kind == "granted" else "Denied"
        said = f": {outcome.reason}" if outcome.reason else ""
        reason = f"{verb} by {outcome.by}{said} {where}"
    return decision_output(hook, outcome.decision, reason)
