"""``AuditedAction``: a command that changes no other aggregate, recorded for the audit log.

Most commands are already events of their own aggregate (a rule added, a key revoked, a
session erased). Some only read or hand something out: unsealing personal data, exporting an
audit bundle, minting a token. Each of those is recorded as one ``AuditedAction`` (a stream of
one event), so the audit log shows who did it, when, to what.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate


class AuditedAction(Aggregate):
    class Recorded(Aggregate.Created):
        tenant_id: str
        actor: str
        action: str
        """A dotted name: ``token.issued``, ``session.unsealed``, ``audit.exported``…"""
        target: str
        detail: dict[str, Any]

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return uuid4()

    def __init__(
        self, tenant_id: str, actor: str, action: str, target: str, detail: dict[str, Any]
    ) -> None:
        self.tenant_id, self.actor, self.action, self.target = tenant_id, actor, action, target
        self.detail = detail

    @classmethod
    def record(
        cls, tenant_id: str, actor: str, action: str, target: str, detail: dict[str, Any]
    ) -> AuditedAction:
        return cls._create(
            cls.Recorded, tenant_id=tenant_id, actor=actor, action=action, target=target,
            detail=detail,
        )  # fmt: skip
