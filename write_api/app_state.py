"""Where the write side keeps its per-process objects: ``app.state`` (set in the lifespan).

Handlers read the gate from the application state rather than through dependency injection:
on the ingest hot path Litestar's dependency resolution costs more than the rest of the
request's own work.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from commands.guardrails.service import PolicyDesk
from write_api.gate import IngestGate


def gate_of(request: Request[Any, Any, Any]) -> IngestGate:
    gate: IngestGate = request.app.state.gate
    return gate


def commands_of(request: Request[Any, Any, Any]) -> PolicyDesk:
    desk: PolicyDesk = request.app.state.policy_desk
    return desk
