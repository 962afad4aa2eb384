"""Commands of the ingest context."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from uuid import UUID

from domain.sessions.hooks import HookFacts
from domain.sessions.ruling import Ruling
from domain.sessions.telemetry import TelemetryFacts
from domain.sessions.values import session_stream_id


@dataclass(frozen=True)
class RecordHook:
    """Append one hook to its session, answering ``reply`` once it is durable."""

    tenant_id: str
    facts: HookFacts
    payload_json: str
    received_at: datetime
    source: str
    """Which door it came through: ``claude-code``, ``send_event``…"""
    context_json: str = "{}"
    """What the envelope said besides the hook (``source_app``, client timestamp…)."""
    idempotency_key: str | None = None
    request_sha256: str = ""
    status: int = 200
    reply: bytes = b""
    ruling: Ruling | None = None
    """The guardrail decision on this hook, recorded right after it."""
    redacted: tuple[str, ...] = ()
    """Kinds of personal data or secrets replaced in payload, context and ruling."""
    sealed: str | None = None
    """The replaced originals, sealed with the session's data key."""
    stream_id: UUID = field(init=False, repr=False)
    """The session's event stream (derived from tenant and session id)."""

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "stream_id", session_stream_id(self.tenant_id, self.facts.session_id)
        )

    @property
    def stream_ids(self) -> set[UUID]:
        return {self.stream_id}

    @property
    def records(self) -> int:
        """One hook (its ruling rides with it): what a batch's size counts."""
        return 1


@dataclass(frozen=True)
class TelemetryItem:
    """One telemetry record, screened: the event it becomes in its session's stream."""

    facts: TelemetryFacts
    payload_json: str
    redacted: tuple[str, ...] = ()
    sealed: str | None = None


@dataclass(frozen=True)
class RecordTelemetry:
    """Append every record of one telemetry export (an OTLP request) to its session, in
    order, in one transaction; answer ``reply`` once durable."""

    tenant_id: str
    items: tuple[TelemetryItem, ...]
    received_at: datetime
    source: str
    """Which door it came through: ``otlp-logs``, ``otlp-metrics``, ``otlp-traces``."""
    status: int = 200
    reply: bytes = b""

    @cached_property
    def item_streams(self) -> tuple[UUID, ...]:
        """Each item's session stream, in order (computed once per command)."""
        return tuple(session_stream_id(self.tenant_id, i.facts.session_id) for i in self.items)

    @property
    def stream_ids(self) -> set[UUID]:
        return set(self.item_streams)

    @property
    def records(self) -> int:
        """How many events it appends: what a batch's size counts."""
        return len(self.items)


Command = RecordHook | RecordTelemetry
"""What the group-commit writer records."""


@dataclass(frozen=True)
class Receipt:
    """What became of one command."""

    status: int
    reply: bytes
    position: int | None
    """Global position of the command's last event (for read-your-writes)."""
    replayed: bool = False
    """True when an earlier request with the same Idempotency-Key was answered instead."""
    problem: str | None = None
