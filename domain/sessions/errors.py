"""Errors of the sessions context.

SessionError
├── HookPayloadInvalidError         the body is JSON but not a hook we can record
└── TelemetryRecordInvalidError     an OTLP log record we cannot join to a session
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
