"""Where the write side keeps its per-process objects: ``app.state`` (set in the lifespan).

Handlers read the gate from the application state rather than through dependency injection:
on the ingest hot path Litestar's dependency resolution costs more than the rest of the
request's own work.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from commands.access.follower import KeyFollower
from commands.access.service import AccessDesk
from commands.alerts.service import AlertActions
from commands.approvals.actions import ApprovalActions
from commands.guardrails.service import PolicyDesk
from commands.privacy.service import PrivacyDesk
from infra.keyring import Keyring
from write_api.gate import IngestGate


def gate_of(request: Request[Any, Any, Any]) -> IngestGate:
    gate: IngestGate = request.app.state.gate
    return gate


def commands_of(request: Request[Any, Any, Any]) -> PolicyDesk:
    desk: PolicyDesk = request.app.state.policy_desk
    return desk


def access_of(request: Request[Any, Any, Any]) -> AccessDesk:
    desk: AccessDesk = request.app.state.access_desk
    return desk


def keys_of(request: Request[Any, Any, Any]) -> KeyFollower:
    book: KeyFollower = request.app.state.key_follower
    return book


def privacy_of(request: Request[Any, Any, Any]) -> PrivacyDesk:
    desk: PrivacyDesk = request.app.state.privacy_desk
    return desk


def keyring_of(request: Request[Any, Any, Any]) -> Keyring:
    ring: Keyring = request.app.state.keyring
    return ring


def alert_actions_of(request: Request[Any, Any, Any]) -> AlertActions:
    actions: AlertActions = request.app.state.alert_actions
    return actions


def approval_actions_of(request: Request[Any, Any, Any]) -> ApprovalActions:
    actions: ApprovalActions = request.app.state.approval_actions
    return actions
