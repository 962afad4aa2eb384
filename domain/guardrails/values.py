"""Value objects of guardrails: decisions, modes, the tool call a policy judges, verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from domain.guardrails import bash, files, sql

if TYPE_CHECKING:
    from domain.guardrails.budgets import CanTellSpend


class Decision(StrEnum):
    """What a rule answers. Strictest wins: deny > ask > allow."""

    ALLOW = "allow"
    ASK = "ask"
    DENY = "deny"

    @property
    def strictness(self) -> int:
        return {"allow": 0, "ask": 1, "deny": 2}[self.value]


class Mode(StrEnum):
    ENFORCE = "enforce"
    """The rule decides."""
    SHADOW = "shadow"
    """The rule only records what it would have decided."""


FILE_TOOLS = frozenset({"Read", "Edit", "Write", "MultiEdit", "NotebookEdit", "Grep"})


@dataclass(frozen=True)
class ToolCall:
    """The tool call being judged, with its analyses computed once, on demand."""

    tool_name: str
    tool_input: Mapping[str, Any] = field(default_factory=dict)
    session_id: str = ""
    agent_id: str | None = None
    spend: CanTellSpend | None = field(default=None, compare=False)
    """What the session's owners spent (budget rules only; None: no budget is judged)."""

    @cached_property
    def script(self) -> bash.Script | None:
        """The parsed Bash command line (Bash tool only)."""
        command = self.tool_input.get("command")
        if self.tool_name == "Bash" and isinstance(command, str):
            if "\x00" in command:
                # No program ever sees a NUL: an argument ends there, and a shell reading its
                # input drops it. Judge both readings so neither can hide a command.
                command = f"{command.split(chr(0), 1)[0]}\n{command.replace(chr(0), '')}"
            return bash.parse_cached(command)
        return None

    @cached_property
    def paths(self) -> tuple[str, ...]:
        """Files the call names (see ``domain.guardrails.files``)."""
        return tuple(files.tool_paths(self.tool_name, self.tool_input, self.script))

    @cached_property
    def sql_kinds(self) -> frozenset[str]:
        """Destructive SQL statement kinds anywhere in the input (MCP tools only)."""
        if not self.tool_name.startswith("mcp__"):
            return frozenset()
        kinds: set[str] = set()
        for key, text in sql.strings_in(dict(self.tool_input)):
            kinds |= sql.destructive_kinds(text, sql_field=sql.is_sql_field(key))
        return frozenset(kinds)


@dataclass(frozen=True)
class ShadowHit:
    """A shadow rule that matched: what it would have decided."""

    rule_id: str
    decision: Decision
    message: str


@dataclass(frozen=True)
class Verdict:
    """The outcome of judging one tool call against a policy and interventions."""

    decision: Decision | None
    """None: nothing to say (Claude Code's own permission flow applies)."""
    rule_id: str | None = None
    message: str | None = None
    shadow: tuple[ShadowHit, ...] = ()
    intervention: str | None = None
    """The quarantine that decided, e.g. ``session:3f6b…`` or ``agent:a3f9…``."""

    @classmethod
    def nothing(cls, shadow: tuple[ShadowHit, ...] = ()) -> Verdict:
        return cls(None, shadow=shadow)
