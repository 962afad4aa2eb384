"""Which agent did it: the main agent or one of its subagents.

Current clients put ``agent_id`` on every hook fired inside a subagent (explicit). Old clients
omit it, so an untagged event that arrives while a SubagentStart…SubagentStop window is open is
attributed to the innermost open window and marked inferred. Once a session has shown a tagged
event outside the SubagentStart/Stop pair, its client is known to tag subagent events, and
untagged events are the main agent's again (a background subagent must not swallow them).

The state is plain lists and booleans so aggregates that hold it can be snapshotted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.sessions.values import Attribution


@dataclass(frozen=True)
class Attributed:
    agent_id: str | None
    agent_type: str | None
    attribution: Attribution | None

    @classmethod
    def main(cls) -> Attributed:
        return cls(None, None, None)


@dataclass
class SubagentWindows:
    """Open SubagentStart…SubagentStop windows of one session, innermost last."""

    open: list[list[str | None]] = field(default_factory=list)
    """Each window is ``[agent_id, agent_type]``."""
    opened: int = 0
    explicit_ids: bool = False

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SubagentWindows:
        return cls(
            open=[list(window) for window in state["open"]],
            opened=int(state["opened"]),
            explicit_ids=bool(state["explicit_ids"]),
        )

    def to_state(self) -> dict[str, Any]:
        return {"open": self.open, "opened": self.opened, "explicit_ids": self.explicit_ids}

    def attribute(self, hook: str, agent_id: str | None, agent_type: str | None) -> Attributed:
        if agent_id:
            return Attributed(agent_id, agent_type or self._type_of(agent_id), Attribution.EXPLICIT)
        if hook == "SubagentStart":
            return Attributed(f"subagent-{self.opened + 1}", agent_type, Attribution.INFERRED)
        if self.open and (hook == "SubagentStop" or not self.explicit_ids):
            window_id, window_type = self.open[-1]
            return Attributed(window_id, window_type, Attribution.INFERRED)
        return Attributed.main()

    def advance(self, hook: str, who: Attributed) -> None:
        """Moves the windows on after an event attributed as ``who``."""
        if hook == "SubagentStart":
            self.opened += 1
            self.open.append([who.agent_id, who.agent_type])
        elif hook == "SubagentStop":
            for index in range(len(self.open) - 1, -1, -1):
                if self.open[index][0] == who.agent_id:
                    del self.open[index]
                    break
        elif who.attribution is Attribution.EXPLICIT:
            self.explicit_ids = True

    def _type_of(self, agent_id: str) -> str | None:
        for window_id, window_type in self.open:
            if window_id == agent_id:
                return window_type
        return None
