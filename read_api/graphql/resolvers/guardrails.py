"""Resolvers for guardrails (policy, history, decisions, quarantines)."""

from __future__ import annotations

from projections.guardrails.queries import DecisionFilter as Where
from read_api.graphql.context import ReadInfo
from read_api.graphql.resolvers.sessions import wait_for_position
from read_api.graphql.types.guardrails import (
    DecisionFilter,
    GuardrailDecision,
    GuardrailPolicy,
    PolicyChange,
    Quarantine,
)
from read_api.graphql.types.paging import Connection, Page, check_first
from read_api.graphql.types.records import from_record

PROJECTION = "guardrails"


async def policy(info: ReadInfo, min_position: int | None) -> GuardrailPolicy:
    await wait_for_position(info, min_position, PROJECTION)
    return GuardrailPolicy.of(await info.context.side.guardrails.policy(info.context.tenant_id))


async def history(info: ReadInfo, first: int) -> list[PolicyChange]:
    records = await info.context.side.guardrails.history(
        info.context.tenant_id, check_first(first, "Query.guardrailPolicyHistory")
    )
    return [from_record(PolicyChange, r) for r in records]


async def decisions(
    info: ReadInfo,
    filter: DecisionFilter | None,
    first: int,
    after: str | None,
    min_position: int | None,
) -> Connection[GuardrailDecision]:
    await wait_for_position(info, min_position, PROJECTION)
    page = Page.of("Query.guardrailDecisions", "decision", first, after)
    f = filter or DecisionFilter()
    where = Where(f.session_id, f.decision.value if f.decision else None, f.rule_id, f.since,
                  f.shadow_only)  # fmt: skip
    records, more = await info.context.side.guardrails.decisions(
        info.context.tenant_id, where, first, page.position
    )
    return page.connection(((GuardrailDecision.of(r), r.position) for r in records), more)


async def quarantines(info: ReadInfo, active_only: bool) -> list[Quarantine]:
    records = await info.context.side.guardrails.interventions(info.context.tenant_id, active_only)
    return [from_record(Quarantine, r) for r in records]
