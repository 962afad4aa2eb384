"""Problem details (RFC 9457) for everything the write side refuses.

    IngestRefused (a ProblemDetailsException)
    ├── 400 a body we cannot record (reason: invalid_json, invalid_utf8, invalid_unicode,
    │       duplicate_keys, nesting_too_deep, non_finite_number, number_out_of_range,
    │       not_an_object, invalid_hook, missing_fields, invalid_envelope,
    │       invalid_idempotency_key, invalid_otlp, invalid_gzip)
    │   invalid_rule, invalid_command (guardrail commands)
    ├── 404 rule_not_found, session_not_found, key_not_found, alert_not_found
    ├── 409 conflict (rule exists, target not quarantined)
    ├── 413 too_large
    ├── 415 unsupported_media_type, unsupported_encoding (OTLP)
    ├── 422 idempotency_key_reused
    └── 503 overloaded | unavailable (nothing was appended; safe to retry)

Every problem carries ``reason`` (stable, for machines) and ``detail`` (for people).
"""

from __future__ import annotations

from typing import Any

from litestar.plugins.problem_details import ProblemDetailsException

from infra.problems import PROBLEM_TYPE

TITLES = {
    "invalid_json": "The body is not valid JSON",
    "invalid_utf8": "The body is not UTF-8",
    "invalid_unicode": "The body holds text that cannot be stored",
    "duplicate_keys": "The body repeats a key in one object",
    "nesting_too_deep": "The body is nested too deeply",
    "non_finite_number": "The body holds a number JSON cannot represent",
    "number_out_of_range": "The body holds a number that cannot be stored",
    "not_an_object": "The body is not a JSON object",
    "invalid_hook": "The body is not a Claude Code hook payload",
    "missing_fields": "The envelope misses required fields",
    "invalid_envelope": "The envelope is not a send_event.py envelope",
    "invalid_idempotency_key": "The Idempotency-Key header is not usable",
    "invalid_otlp": "The body is not an OTLP export of this signal",
    "invalid_gzip": "The gzip body cannot be inflated",
    "unsupported_media_type": "This Content-Type is not supported",
    "unsupported_encoding": "This Content-Encoding is not supported",
    "too_large": "The body is larger than this server accepts",
    "idempotency_key_reused": "The Idempotency-Key was used for a different request",
    "invalid_rule": "The rule definition is not valid",
    "rule_not_found": "No such rule in the policy",
    "session_not_found": "No such session in your tenant",
    "key_not_found": "No such API key in your tenant",
    "alert_not_found": "No such alert in your tenant",
    "conflict": "The command conflicts with the current state",
    "invalid_command": "The command is not valid",
    "overloaded": "Observatory is busy; nothing was recorded",
    "unavailable": "The event store is unavailable; nothing was recorded",
}


class IngestRefusedError(ProblemDetailsException):
    def __init__(
        self,
        status: int,
        reason: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(
            detail=detail,
            status_code=status,
            title=TITLES.get(reason, reason),
            type_=PROBLEM_TYPE + reason,
            headers=headers,
            extra={"reason": reason, **extra},
        )
        self.reason = reason


class HookRefusedError(Exception):
    """A door finds no hook to record in a well-formed body (an envelope's missing or wrong
    fields): the gate keeps the body in quarantine and answers 400 with ``reason``, ``detail``
    and the ``extra`` members."""

    def __init__(self, reason: str, detail: str, **extra: Any) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.extra = extra


class BodyTooLargeError(Exception):
    """More of the body arrived than the limit allows (``received`` bytes so far)."""

    def __init__(self, received: int) -> None:
        super().__init__(f"{received} bytes received")
        self.received = received
