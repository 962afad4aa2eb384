"""What-if: stored tool calls replayed through proposed rules, without changing anything.

Every proposed rule is applied as if enforced (a shadow rule decides here too): the question
is what the rules *would* have denied or asked. The replay reads the event log itself, so it
sees every PreToolUse ever recorded, whatever the read models keep; it records nothing.
Used by ``observatory guardrails simulate`` and open to the API (the dashboard's what-if).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from eventsourcing.utils import get_topic

from commands.store.application import EventStoreApplication
from domain.guardrails.rules import Rule, evaluate, ordered, parse_rules
from domain.guardrails.values import Mode, ToolCall
from domain.sessions.aggregate import AgentSession

PAGE = 1_000
EXAMPLES = 3
"""Rule messages kept per session, to show why calls would have been stopped."""


@dataclass
class SessionOutcome:
    """What the proposed rules would have decided on one session's calls."""

    decisions: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    """``<rule id>: <message>`` of the first decisions."""


@dataclass
class SimulationReport:
    calls: int
    """Stored tool calls replayed."""
    rules: list[str]
    """Ids of the proposed rules, in evaluation order."""
    sessions: dict[str, SessionOutcome]
    """Only sessions where some rule would have decided."""

    def total(self, decision: str) -> int:
        return sum(s.decisions[decision] for s in self.sessions.values())

    def as_data(self) -> dict[str, Any]:
        """The report as JSON-ready data (what ``simulate --json`` prints)."""
        return {"calls": self.calls, "rules": self.rules, "sessions": {
            session: {"deny": s.decisions["deny"], "ask": s.decisions["ask"],
                      "allow": s.decisions["allow"], "examples": s.examples}
            for session, s in self.sessions.items()
        }}  # fmt: skip


def proposed_rules(definitions: Any) -> list[Rule]:
    """Rule definitions (a list, or ``{rules: [...]}``) as enforced rules in evaluation order;
    raises ``RuleDefinitionError`` listing every problem."""
    return [rule.with_mode(Mode.ENFORCE) for rule in ordered(parse_rules(definitions))]


def simulate(
    store: EventStoreApplication,
    rules: Sequence[Rule],
    *,
    since: datetime | None = None,
    tenant_id: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> SimulationReport:
    """Replays the stored tool calls (after ``since``; of ``tenant_id``, or of every tenant)
    through ``rules`` (in evaluation order, see ``proposed_rules``). ``progress`` is told the
    log position reached after each call."""
    sessions: dict[str, SessionOutcome] = defaultdict(SessionOutcome)
    calls = 0
    for position, event, payload in tool_calls(store, since):
        if progress is not None:
            progress(position)
        if tenant_id is not None and event.tenant_id != tenant_id:
            continue
        calls += 1
        tool_input = payload.get("tool_input")
        call = ToolCall(
            event.tool_name or "",
            tool_input if isinstance(tool_input, dict) else {},
            event.session_id,
        )
        verdict = evaluate(rules, call)
        if verdict.decision is None:
            continue
        outcome = sessions[event.session_id]
        outcome.decisions[verdict.decision.value] += 1
        if len(outcome.examples) < EXAMPLES:
            outcome.examples.append(f"{verdict.rule_id}: {verdict.message}")
    return SimulationReport(calls, [rule.id for rule in rules], dict(sessions))


def tool_calls(
    store: EventStoreApplication, since: datetime | None
) -> Iterator[tuple[int, AgentSession.ToolCallRequested, dict[str, Any]]]:
    """(position, event, payload) for every stored PreToolUse at or after ``since``, in order."""
    topics = [get_topic(AgentSession.ToolCallRequested)]
    position = 0
    while True:
        page = store.recorder.select_notifications(
            start=position, limit=PAGE, topics=topics, inclusive_of_start=False
        )
        for notification in page:
            # The topic filter selected these only.
            event = cast(AgentSession.ToolCallRequested, store.mapper.to_domain_event(notification))
            if since is None or event.timestamp >= since:
                payload = json.loads(event.payload_json)
                yield notification.id, event, payload if isinstance(payload, dict) else {}
        if len(page) < PAGE:
            return
        position = page[-1].id
