"""The input record of the ML package: one session event, already flattened.

``ml`` imports nothing from the project, so each published event document (the public form of
``AgentSession.ToolCallRequested``, ``ToolCallDecided`` …) is mapped onto this small record
(``ml.features.published``). The mapping
is lossy on purpose: the models only need the shape of what happened, never the payload.

Invariants: ``at`` is timezone-aware; ``kind`` is a Claude Code hook name (``PreToolUse``,
``PostToolUse``, ``PostToolUseFailure``, ``SubagentStart`` …) or one of the project kinds
``Decision`` (a guardrail decision, ``decision`` set) and ``Quarantined``; ``command`` may be the
command text or any stable hash of it (only equality and the two keyword classifiers use it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

__all__ = [
    "COMPLETION_KINDS",
    "EDIT_TOOLS",
    "TOOL_FAMILIES",
    "SessionEvent",
    "is_network",
    "is_sensitive",
    "tool_family",
]

EDIT_TOOLS = frozenset({"Edit", "Write", "MultiEdit", "NotebookEdit"})
COMPLETION_KINDS = frozenset({"PostToolUse", "PostToolUseFailure"})

# Order matters: it is the order of the ``frac_*`` features in the schema.
TOOL_FAMILIES = ("bash", "read", "edit", "search", "agent", "mcp", "web", "other")
_FAMILY_OF = {
    "Bash": "bash",
    "BashOutput": "bash",
    "Read": "read",
    "NotebookRead": "read",
    "Grep": "search",
    "Glob": "search",
    "LS": "search",
    "Task": "agent",  # older clients spawn subagents with Task, current ones with Agent
    "Agent": "agent",
    "WebFetch": "web",
    "WebSearch": "web",
    **dict.fromkeys(EDIT_TOOLS, "edit"),
}

_SENSITIVE = re.compile(
    r"(^|[/\s'\"])\.env(\.(?!example\b|sample\b)\w+)?($|[\s'\"/;|&])"
    r"|\.aws/credentials|credentials\.json|(^|/)id_rsa|\.pem\b|\.ssh/|\.netrc|\.npmrc|secrets?\.ya?ml"
)
_NETWORK = re.compile(r"\b(curl|wget|nc|ncat|netcat|scp|sftp|rsync|ftp|telnet|socat)\b")


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """One event of one agent session, as the features see it."""

    at: datetime
    kind: str
    tool: str = ""
    outcome: str = ""
    """``ok`` | ``failed`` | ``denied`` | ``""`` (not a tool outcome)."""
    command: str = ""
    """Bash command text, or a stable hash of it."""
    path: str = ""
    """File path for Read/Edit/Write/…; empty otherwise."""
    agent: str = "main"
    """``main`` or the subagent type (``Explore``, ``general-purpose`` …)."""
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    decision: str = ""
    """``allow`` | ``ask`` | ``deny`` on ``Decision`` events."""
    edit_from: str = ""
    """Stable hash of an edit's ``old_string`` (edit/undo cycles are detected by swapping)."""
    edit_to: str = ""
    """Stable hash of an edit's ``new_string``."""
    duration_ms: float | None = None


def tool_family(tool: str) -> int:
    """Index into ``TOOL_FAMILIES`` for a tool name (MCP tools are ``mcp__<server>__<tool>``)."""
    family = _FAMILY_OF.get(tool)
    if family is None:
        family = "mcp" if tool.startswith("mcp__") else "other"
    return TOOL_FAMILIES.index(family)


@lru_cache(maxsize=4096)
def is_sensitive(text: str) -> bool:
    """True when a path or command touches a secret file (.env, keys, cloud credentials)."""
    return bool(text) and _SENSITIVE.search(text) is not None


@lru_cache(maxsize=4096)
def is_network(text: str) -> bool:
    """True when a command moves data over the network (curl, wget, nc, scp …)."""
    return bool(text) and _NETWORK.search(text) is not None
