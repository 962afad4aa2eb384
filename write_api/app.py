"""The write API's HTTP surface: the ingest doors.

The entry point puts an ``IngestGate`` in ``app.state.gate`` during its lifespan; handlers get
it as the ``gate`` dependency.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import Provide

from write_api.controllers.claude_code import ClaudeCodeHooksController
from write_api.controllers.envelopes import EnvelopesController
from write_api.gate import IngestGate


def write_handlers() -> list[Any]:
    return [ClaudeCodeHooksController, EnvelopesController]


def _gate(state: State) -> IngestGate:
    gate: IngestGate = state.gate
    return gate


def write_dependencies() -> dict[str, Provide]:
    return {"gate": Provide(_gate, sync_to_thread=False)}
