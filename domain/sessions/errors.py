"""Errors of the sessions context.

SessionError
├── HookPayloadInvalidError         the body is JSON but not a hook we can record
├── TelemetryRecordInvalidError     an OTLP log record we cannot join to a session
└── ApprovalError                   an answer to an approval request that cannot be taken
    ├── ApprovalNotFoundError       no such request in this tenant
    ├── ApprovalAnsweredError       answered (or expired) already: the first answer stands
    └── ApprovalForbiddenError      this person may not answer it (role, team, own agent)
"""

from __future__ import annotations


class SessionError(Exception):
    """Base of this context's errors."""


class HookPayloadInvalidError(SessionError):
    """A hook payload breaks the contract; ``problems`` lists each field and what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class TelemetryRecordInvalidError(SessionError):
    """A telemetry record misses or mistypes what we rely on; ``problems`` says which."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class ApprovalError(SessionError):
    """Base of the refusals of an approval answer."""


class ApprovalNotFoundError(ApprovalError):
    """No such approval request in this tenant (another tenant's is not found either)."""


class ApprovalAnsweredError(ApprovalError):
    """The request has its answer already (granted, denied or expired); ``outcome`` says
    which."""

    def __init__(self, request_id: str, outcome: str) -> None:
        self.request_id, self.outcome = request_id, outcome
        super().__init__(f"approval request {request_id} is {outcome} already")


class ApprovalForbiddenError(ApprovalError):
    """The person may not answer this request (the rule names other roles or teams, or it is
    their own agent's request and the rule does not allow self-approval)."""
