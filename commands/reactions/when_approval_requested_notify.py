"""Tell the people on duty that a tool call waits for them: ``when_approval_requested_notify``.

The same dispatcher as alerts (``when_alert_raised_notify.NotifyDispatch``, its own position
row ``NAME``): each ``ApprovalRequested`` becomes one ``notify_alert`` job per destination
that takes warnings, posted once per (request, destination). The message names the command,
the rule and the deadline, with a link to the dashboard's approval inbox (``/approvals``; the
notifier knows the public URL). Replays never re-notify (delivery keys, replay window).
"""

from __future__ import annotations

from collections.abc import Iterable

from commands.reactions.when_alert_raised_notify import Notice
from domain.sessions.aggregate import AgentSession

NAME = "when_approval_requested_notify"


class WhenApprovalRequestedNotify:
    """Events in, notices out: one per ``ApprovalRequested`` (pure)."""

    def changes(self, events: Iterable[tuple[int, object]]) -> list[Notice]:
        return [_notice(p, e) for p, e in events if isinstance(e, AgentSession.ApprovalRequested)]


def _notice(position: int, event: AgentSession.ApprovalRequested) -> Notice:
    approval = {
        "kind": "approval", "alert_id": f"approval:{event.request_id}",
        "request_id": event.request_id, "tenant_id": event.tenant_id, "severity": "warning",
        "session_id": event.session_id, "tool_name": event.tool_name, "summary": event.summary,
        "rule_id": event.rule_id, "roles": list(event.roles),
        "expires_at": event.expires_at.isoformat(), "on_timeout": event.on_timeout,
    }  # fmt: skip
    return Notice(position, event.timestamp, approval)
