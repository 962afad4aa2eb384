"""Value objects of agent sessions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import NewType
from uuid import NAMESPACE_URL, UUID, uuid5

TenantId = NewType("TenantId", str)
SessionId = NewType("SessionId", str)

DEFAULT_TENANT = TenantId("default")
"""The one tenant that exists until authentication assigns tenants."""

SUBAGENT_SPAWNING_TOOLS = frozenset({"Task", "Agent"})
"""``Task`` is the subagent tool of clients before 2026, ``Agent`` the current one."""

_STREAM_NAMESPACE = uuid5(NAMESPACE_URL, "https://observatory.dev/streams/agent-session")

# Identifiers we accept from clients: no path separators, no "..", bounded length.
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}$")
_HOOK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_TENANT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def is_identifier(value: str) -> bool:
    """True for a safe external id (session, agent, tool use): no paths, no traversal."""
    return bool(_IDENTIFIER.match(value)) and ".." not in value


def is_hook_name(value: str) -> bool:
    return bool(_HOOK_NAME.match(value))


def is_tenant_id(value: str) -> bool:
    return bool(_TENANT.match(value))


def session_stream_id(tenant_id: str, session_id: str) -> UUID:
    """The event-stream id of a session: stable, and distinct per tenant."""
    return uuid5(_STREAM_NAMESPACE, f"{tenant_id}/{session_id}")


class Attribution(StrEnum):
    """How an event was tied to a subagent."""

    EXPLICIT = "explicit"
    """The client named the agent (``agent_id`` in the payload)."""
    INFERRED = "inferred"
    """Old clients omit ``agent_id``; we used the SubagentStart…SubagentStop window."""


class SessionStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"


class ToolCallStatus(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    ABANDONED = "ABANDONED"
    """Never closed before the session ended."""
    DENIED = "DENIED"
    """Denied before it ran: by a guardrail, or by Claude Code's auto-mode classifier."""


class DecisionSource(StrEnum):
    """Who decided a tool call's fate before it ran."""

    GUARDRAIL = "guardrail"
    """An Observatory guardrail rule (a ``ToolCallDecided`` event)."""
    CLASSIFIER = "classifier"
    """Claude Code's auto-mode classifier (a ``PermissionDenied`` hook)."""


@dataclass(frozen=True)
class ToolName:
    """A tool name, with MCP tools split as ``mcp__<server>__<tool>``."""

    name: str
    mcp_server: str | None = None
    mcp_tool: str | None = None

    @classmethod
    def parse(cls, name: str) -> ToolName:
        # The server name may contain "-" (and "_"); the first "__" after the prefix ends it.
        if name.startswith("mcp__"):
            server, sep, tool = name[len("mcp__") :].partition("__")
            if sep and server and tool:
                return cls(name, server, tool)
        return cls(name)

    @property
    def spawns_subagent(self) -> bool:
        return self.name in SUBAGENT_SPAWNING_TOOLS
