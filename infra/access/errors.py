"""The two ways access is refused, as problem details (RFC 9457).

* 401 ``unauthenticated``: no credentials, or credentials we cannot accept (bad signature,
  expired, wrong issuer or audience, unknown or revoked key). ``WWW-Authenticate`` says so.
* 403 ``forbidden``: a known caller whose roles do not allow this.

Another tenant's data is never "forbidden": it does not exist for the caller (404).
"""

from __future__ import annotations

from litestar.plugins.problem_details import ProblemDetailsException

PROBLEM_TYPE = "https://github.com/observatory/observatory/blob/main/docs/problems.md#"


class UnauthenticatedError(ProblemDetailsException):
    def __init__(self, detail: str, error: str = "invalid_token") -> None:
        challenge = f'Bearer realm="observatory", error="{error}"'
        super().__init__(
            detail=detail,
            status_code=401,
            title="Authentication required",
            type_=PROBLEM_TYPE + "unauthenticated",
            headers={"WWW-Authenticate": challenge},
            extra={"reason": "unauthenticated"},
        )


class ForbiddenError(ProblemDetailsException):
    def __init__(self, detail: str) -> None:
        super().__init__(
            detail=detail,
            status_code=403,
            title="Not allowed for your role",
            type_=PROBLEM_TYPE + "forbidden",
            extra={"reason": "forbidden"},
        )


class CredentialsRejectedError(Exception):
    """A token or key that cannot be accepted; the message says why (safe to show)."""
