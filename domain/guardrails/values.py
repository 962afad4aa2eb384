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
    """What a rule answers. Strictest wins: deny > approve > ask > allow.

    ``approve`` holds the hook until a person on duty answers (see ``Approval``): stricter
    than ``ask`` (the agent's own user cannot wave it through), laxer than ``deny``.
    """

    ALLOW = "allow"
    ASK = "ask"
    APPROVE = "approve"
    DENY = "deny"

    @property
    def strictness(self) -> int:
        return {"allow": 0, "ask": 1, "approve": 2, "deny": 3}[self.value]


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


HOOK_TIMEOUT_SECONDS = 60
"""Claude Code's default timeout of an ``http`` hook: past it the agent stops waiting."""
HOOK_TIMEOUT_MARGIN_SECONDS = 5
"""What an approval's wait leaves of the hook's timeout, so the answer reaches the agent."""


@dataclass(frozen=True)
class Approval:
    """Who may answer an ``approve`` rule, how long the hook waits, and the answer then."""

    roles: tuple[str, ...] = ("operator", "admin")
    """Roles whose members may answer (any of them)."""
    teams: tuple[str, ...] = ()
    """Teams whose members may answer (empty: any team)."""
    wait_seconds: int = 45
    """How long the hook is held; below the hook's timeout minus the margin."""
    hook_timeout_seconds: int = HOOK_TIMEOUT_SECONDS
    """The ``timeout`` the hook has in Claude Code's settings (60 s by default)."""
    on_timeout: Decision = Decision.DENY
    """The answer when nobody answers in time: deny (default), ask or allow."""
    self_approval: bool = False
    """Whether the person who runs the agent may answer its own request."""

    def as_data(self) -> dict[str, object]:
        return {
            "roles": list(self.roles), "teams": list(self.teams),
            "wait_seconds": self.wait_seconds, "hook_timeout_seconds": self.hook_timeout_seconds,
            "on_timeout": self.on_timeout.value, "self_approval": self.self_approval,
        }  # fmt: skip


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
    approval: Approval | None = None
    """Who may answer, when ``decision`` is ``approve``."""

    @classmethod
    def nothing(cls, shadow: tuple[ShadowHit, ...] = ()) -> Verdict:
        return cls(None, shadow=shadow)
