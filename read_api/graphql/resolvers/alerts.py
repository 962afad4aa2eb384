"""Resolvers for alerts and model versions, and the alert mutations."""

from __future__ import annotations

import asyncio

from graphql import GraphQLError

from projections.alerts.queries import AlertFilter as Where
from projections.alerts.queries import AlertQueries
from read_api.graphql.context import CanActOnAlerts, ReadInfo
from read_api.graphql.resolvers.sessions import wait_for_position
from read_api.graphql.types.alerts import (
    Alert,
    AlertCommandResult,
    AlertFilter,
    ModelKind,
    ModelVersion,
)
from read_api.graphql.types.paging import Connection, Page
from read_api.graphql.types.session import Position

PROJECTION = "alerts"


def _queries(info: ReadInfo) -> AlertQueries:
    queries = info.context.side.alerts
    if queries is None:
        raise GraphQLError("alerts are not served here", extensions={"code": "UNAVAILABLE"})
    return queries


async def alerts(
    info: ReadInfo,
    filter: AlertFilter | None,
    first: int,
    after: str | None,
    min_position: int | None,
) -> Connection[Alert]:
    await wait_for_position(info, min_position, PROJECTION)
    page = Page.of("Query.alerts", "alert", first, after)
    f = filter or AlertFilter()
    where = Where(f.status.value if f.status else None, f.severity.value if f.severity else None,
                  f.session_id)  # fmt: skip
    records, more = await _queries(info).alerts(info.context.tenant_id, where, first, page.position)
    return page.connection(((Alert.of(r), r.position) for r in records), more)


async def model_versions(info: ReadInfo, kind: ModelKind | None) -> list[ModelVersion]:
    records = await _queries(info).model_versions(
        info.context.tenant_id, kind.value if kind else None
    )
    return [ModelVersion.of(r) for r in records]


def _actions(info: ReadInfo) -> CanActOnAlerts:
    actions = info.context.side.alert_actions
    if actions is None:
        raise GraphQLError("alert commands are not taken here", extensions={"code": "UNAVAILABLE"})
    return actions


CODES = {"alert_not_found": "NOT_FOUND", "invalid_command": "BAD_INPUT", "conflict": "CONFLICT"}
"""The alert commands' refusals (``CanActOnAlerts``) as GraphQL error codes."""


async def act(info: ReadInfo, verb: str, alert_id: str, note: str) -> AlertCommandResult:
    """Acknowledges or resolves (``verb``) one of the caller's tenant's alerts."""
    actions = _actions(info)
    command = actions.acknowledge if verb == "acknowledge" else actions.resolve
    acted = await asyncio.to_thread(
        command, info.context.tenant_id, alert_id, info.context.principal.actor, note
    )
    if acted.refused is not None:
        raise GraphQLError(acted.detail, extensions={"code": CODES[acted.refused]})
    return AlertCommandResult(alert_id=alert_id, position=Position(acted.position))
