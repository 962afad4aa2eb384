"""The approval commands for every surface (REST, GraphQL, CLI through REST): primitives in,
``Answered`` out; a refusal is an answer, never an exception, so no surface needs this
context's errors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from commands.approvals.follower import ApprovalFollower, Pending
from commands.approvals.service import MAX_REASON_CHARS, Answerer, ApprovalDesk
from domain.sessions.errors import (
    ApprovalAnsweredError,
    ApprovalForbiddenError,
    ApprovalNotFoundError,
)

NOT_FOUND, INVALID, CONFLICT, FORBIDDEN = (
    "approval_not_found", "invalid_command", "conflict", "forbidden",
)  # fmt: skip


@dataclass(frozen=True)
class Answered:
    position: int
    refused: str | None = None
    """None, ``approval_not_found``, ``invalid_command``, ``conflict`` or ``forbidden``."""
    detail: str = ""


class ApprovalActions:
    def __init__(self, desk: ApprovalDesk, follower: ApprovalFollower) -> None:
        self._desk = desk
        self._follower = follower

    def pending(self, tenant_id: str) -> list[Pending]:
        return self._follower.pending(tenant_id)

    async def changed(self) -> None:
        """Returns at the next change of any tenant's pending set."""
        event = self._follower.watch()
        try:
            await event.wait()
        finally:
            self._follower.unwatch(event)

    def answer(
        self, tenant_id: str, request_id: str, grant: bool, by: str, roles: Iterable[str],
        teams: Iterable[str], reason: object,
    ) -> Answered:  # fmt: skip
        if not isinstance(reason, str) or len(reason) > MAX_REASON_CHARS:
            return Answered(
                0, INVALID, f"reason: a string of at most {MAX_REASON_CHARS} characters"
            )
        answerer = Answerer(by, frozenset(roles), frozenset(teams))
        try:
            return Answered(self._desk.answer(tenant_id, request_id, answerer, grant=grant,
                                              reason=reason))  # fmt: skip
        except ApprovalNotFoundError as error:
            return Answered(0, NOT_FOUND, str(error))
        except ApprovalAnsweredError as error:
            return Answered(0, CONFLICT, str(error))
        except ApprovalForbiddenError as error:
            return Answered(0, FORBIDDEN, str(error))
