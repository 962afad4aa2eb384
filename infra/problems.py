"""RFC 9457 problem documents shared by both APIs, and the conversion of Litestar's own
HTTP errors (unknown route, wrong method, bad path or query parameter…) into documents that
carry a stable ``reason`` like every other refusal.

Every refusal of either API is ``application/problem+json`` with ``status``, ``title``,
``detail`` (for people), ``reason`` (stable, for machines) and ``type`` (a link to the
reason's section in docs/problems.md).
"""

from __future__ import annotations

from typing import Any

from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import ProblemDetailsException

PROBLEM_TYPE = "https://github.com/observatory/observatory/blob/main/docs/problems.md#"

HTTP_REASONS = {
    400: ("bad_request", "The request is not valid"),
    401: ("unauthenticated", "Authentication is required"),
    403: ("forbidden", "This needs another role"),
    404: ("not_found", "No such resource"),
    405: ("method_not_allowed", "The method is not allowed on this resource"),
    413: ("too_large", "The body is larger than this server accepts"),
    415: ("unsupported_media_type", "The body's content type is not accepted here"),
    429: ("too_many_requests", "Too many requests"),
}
"""Reason and title of each HTTP status Litestar itself may answer with."""


class Problem(ProblemDetailsException):
    """A refusal with a stable ``reason``; ``extra`` fields are added to the document."""

    def __init__(
        self,
        status: int,
        reason: str,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(
            detail=detail,
            status_code=status,
            title=title or HTTP_REASONS.get(status, (reason, reason))[1],
            type_=PROBLEM_TYPE + reason,
            headers=headers,
            extra={"reason": reason, **extra},
        )
        self.reason = reason


def http_problem(error: HTTPException) -> ProblemDetailsException:
    """Litestar's own HTTP errors as problem documents with a reason."""
    if isinstance(error, ProblemDetailsException):
        return error
    if isinstance(error, ValidationException):
        extra = {"problems": error.extra} if error.extra else {}
        return Problem(400, "invalid_parameters", str(error.detail), headers=error.headers,
                       title="A path or query parameter is not valid", **extra)  # fmt: skip
    reason, title = HTTP_REASONS.get(error.status_code, (f"http_{error.status_code}", ""))
    extra = error.extra if isinstance(error.extra, dict) else {}
    return Problem(error.status_code, reason, str(error.detail), title=title or None,
                   headers=error.headers, **extra)  # fmt: skip
