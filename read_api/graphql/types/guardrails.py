"""GraphQL types of guardrails: the policy, its history, decisions, quarantines."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from projections.guardrails.queries import (
    DecisionRecord,
    PolicyRecord,
)
from read_api.graphql.types.records import from_record
from read_api.graphql.types.session import Position


@strawberry.enum(
    description="What a guardrail answered (strictest wins: DENY > APPROVE > ASK > ALLOW; "
    "APPROVE holds the call for a person on duty)."
)
class GuardDecision(Enum):
    DENY = "deny"
    APPROVE = "approve"
    ASK = "ask"
    ALLOW = "allow"


@strawberry.enum(description="Decisions to list; NONE = calls no enforced rule matched.")
class DecisionKind(Enum):
    DENY = "deny"
    APPROVE = "approve"
    ASK = "ask"
    ALLOW = "allow"
    NONE = "none"


@strawberry.enum
class RuleMode(Enum):
    ENFORCE = "enforce"
    SHADOW = "shadow"


@strawberry.type(description="A rule as data (the same shape `observatory guardrails add` takes).")
class GuardrailRule:
    id: str
    tools: list[str]
    decision: GuardDecision
    mode: RuleMode
    priority: int
    message: str
    description: str | None
    definition: JSON

    @classmethod
    def of(cls, d: dict[str, Any]) -> GuardrailRule:
        return cls(
            id=d["id"], tools=list(d.get("tools", ["*"])), decision=GuardDecision(d["decision"]),
            mode=RuleMode(d.get("mode", "enforce")), priority=int(d.get("priority", 100)),
            message=d.get("message", ""), description=d.get("description"),
            definition=cast(JSON, d),
        )  # fmt: skip


@strawberry.type(description="A tenant's policy; version 0 = the defaults, never changed.")
class GuardrailPolicy:
    version: int
    updated_at: datetime | None
    updated_by: str | None
    rules: list[GuardrailRule]

    @classmethod
    def of(cls, r: PolicyRecord) -> GuardrailPolicy:
        return from_record(cls, r, rules=[GuardrailRule.of(d) for d in r.rules])


@strawberry.type(description="One change of a policy: each makes a new version.")
class PolicyChange:
    version: int
    position: Position
    change: str
    rule_id: str | None
    definition: JSON | None
    changed_by: str
    changed_at: datetime


@strawberry.type(description="A shadow rule that matched, and what it would have decided.")
class ShadowMatch:
    rule_id: str
    decision: GuardDecision
    message: str


@strawberry.type(description="A guardrail decision, as recorded with the hook.")
class GuardrailDecision:
    position: Position
    session_id: str
    hook: str
    tool_name: str | None
    tool_use_id: str | None
    agent_id: str | None
    decision: GuardDecision | None
    rule_id: str | None
    policy_version: int
    message: str | None
    latency_ms: float
    shadow: list[ShadowMatch]
    intervention: str | None
    decided_at: datetime

    @classmethod
    def of(cls, r: DecisionRecord) -> GuardrailDecision:
        shadow = [ShadowMatch(rule_id=s["rule_id"], decision=GuardDecision(s["decision"]),
                              message=s["message"]) for s in r.shadow]  # fmt: skip
        return from_record(cls, r, shadow=shadow)


@strawberry.input
class DecisionFilter:
    session_id: str | None = None
    decision: DecisionKind | None = None
    rule_id: str | None = None
    since: datetime | None = None
    shadow_only: bool = False


@strawberry.type(description="A quarantine of a session or an agent.")
class Quarantine:
    kind: str
    target_id: str
    active: bool
    mode: GuardDecision
    reason: str
    imposed_by: str
    imposed_at: datetime
    lifted_by: str | None
    lifted_at: datetime | None
