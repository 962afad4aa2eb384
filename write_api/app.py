"""The write API's HTTP surface: the ingest doors.

The entry point puts an ``IngestGate`` in ``app.state.gate`` and a ``PolicyDesk`` in
``app.state.policy_desk`` during its lifespan.
"""

from __future__ import annotations

from typing import Any

from write_api.controllers.access import AccessController
from write_api.controllers.alerts import AlertsController
from write_api.controllers.approvals import ApprovalsController
from write_api.controllers.audit import AuditController
from write_api.controllers.claude_code import ClaudeCodeHooksController
from write_api.controllers.envelopes import EnvelopesController
from write_api.controllers.guardrails import GuardrailsController
from write_api.controllers.otlp import OtlpController
from write_api.controllers.privacy import PrivacyController


def write_handlers() -> list[Any]:
    return [
        ClaudeCodeHooksController, EnvelopesController, GuardrailsController, AccessController,
        PrivacyController, AuditController, AlertsController, OtlpController,
        ApprovalsController,
    ]  # fmt: skip
