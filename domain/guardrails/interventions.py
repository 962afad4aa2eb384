"""The ``Intervention`` aggregate: the quarantine of one session or agent, over time.

One stream per target (tenant, kind, id), so "release session X" needs no lookup: the target
names the stream. A quarantine can be imposed (or its mode changed), lifted, and imposed again.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.guardrails.errors import NotQuarantinedError
from domain.guardrails.values import Decision

_NAMESPACE = uuid5(NAMESPACE_URL, "https://observatory.dev/streams/intervention")
TARGET_KINDS = ("session", "agent")


def intervention_id(tenant_id: str, kind: str, target_id: str) -> UUID:
    return uuid5(_NAMESPACE, f"{tenant_id}/{kind}/{target_id}")


class Intervention(Aggregate):
    """Invariant: only a quarantined target can be released."""

    class Opened(Aggregate.Created):
        tenant_id: str
        kind: str
        target_id: str

    class Imposed(Aggregate.Event):
        tenant_id: str
        kind: str
        target_id: str
        mode: str
        reason: str
        by: str

        def apply(self, aggregate: Intervention) -> None:
            aggregate.active, aggregate.mode, aggregate.reason = True, self.mode, self.reason

    class Lifted(Aggregate.Event):
        tenant_id: str
        kind: str
        target_id: str
        reason: str
        by: str

        def apply(self, aggregate: Intervention) -> None:
            aggregate.active = False

    @staticmethod
    def create_id(tenant_id: str, kind: str, target_id: str) -> UUID:
        return intervention_id(tenant_id, kind, target_id)

    def __init__(self, tenant_id: str, kind: str, target_id: str) -> None:
        self.tenant_id, self.kind, self.target_id = tenant_id, kind, target_id
        self.active = False
        self.mode = Decision.ASK.value
        self.reason = ""

    @property
    def target(self) -> str:
        return f"{self.kind}:{self.target_id}"

    def impose(self, mode: Decision, reason: str, by: str) -> None:
        self.trigger_event(
            self.Imposed, tenant_id=self.tenant_id, kind=self.kind, target_id=self.target_id,
            mode=mode.value, reason=reason, by=by,
        )  # fmt: skip

    def lift(self, reason: str, by: str) -> None:
        if not self.active:
            raise NotQuarantinedError(self.target)
        self.trigger_event(
            self.Lifted, tenant_id=self.tenant_id, kind=self.kind, target_id=self.target_id,
            reason=reason, by=by,
        )  # fmt: skip
