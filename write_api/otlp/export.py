"""One OTLP export through the ingest steps, whatever its signal and transport.

Order of work for one export (the hook gate's steps, for many records at once):

1. the caller's tenant; the body within the size limit (413); its ``Content-Type`` (415 names
   the supported ones) and ``Content-Encoding`` (gzip, inflated within the same limit) — over
   OTLP/gRPC, grpcio has done this part;
2. the export request, decoded by protobuf (binary or OTLP/JSON); anything that does not decode
   is kept in quarantine and answered a 400 problem document;
3. each record read by its ``Signal`` as ``TelemetryFacts``: a record that names no session
   (or mistypes what the read models use) is rejected alone, and counted in the answer's
   ``partial_success``;
4. each kept record screened for personal data and secrets (the whole export in one call to
   the screening pool, with one budget: off the event loop unless it is small), the originals
   sealed with its session's data key (one trip to the keyring for the whole export);
5. one ``RecordTelemetry`` through the group-commit writer: every record of the export is
   committed, in order, in one transaction, before the answer;
6. the answer: the signal's export response, in the request's encoding.

A signal (``logs``, ``traces``, ``metrics``) says only how to read its request and how to word
its partial success; everything else is here, shared by OTLP/HTTP and OTLP/gRPC.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from google.protobuf import json_format
from google.protobuf.message import Message

from commands.ingest.messages import Receipt, RecordTelemetry, TelemetryItem
from domain.sessions.telemetry import TelemetryFacts
from infra.access.principal import tenant_of
from write_api.call import Call
from write_api.gate import IngestGate
from write_api.otlp.decoding import JSON, OtlpRefusedError, decode, inflate, media_type
from write_api.responses import Answer, receipt_answer


@dataclass
class Read:
    """What an export holds that can be recorded, and what was rejected."""

    records: list[tuple[TelemetryFacts, dict[str, Any]]] = field(default_factory=list)
    rejected: int = 0
    first_problem: str = ""

    def reject(self, problem: str) -> None:
        self.rejected += 1
        self.first_problem = self.first_problem or problem


class Signal(Protocol):
    """One OTLP signal: its endpoint, its request message and how to read and answer it."""

    endpoint: str
    """``/v1/logs``…: also the door named in quarantine and in the event's ``source``."""
    source: str

    @property
    def request(self) -> type[Message]:
        """The export request message (``ExportLogsServiceRequest``…)."""
        ...

    def read(self, export: Any) -> Read:
        """Every record of a decoded request, as facts and the payload the event keeps."""
        ...

    def response(self, read: Read) -> Message:
        """The export response, with ``partial_success`` when ``read`` rejected any."""
        ...


async def receive_http(gate: IngestGate, call: Call, signal: Signal) -> Answer:
    """One OTLP/HTTP export (see the module doc); raises ``IngestRefusedError``."""
    received_at, started = gate.clock(), time.perf_counter()
    tenant_id = tenant_of(call, gate.tenant_id)
    body = await gate.read_body(call, signal.endpoint, tenant_id, received_at)
    try:
        kind = media_type(call.headers.get("content-type"))
        plain = inflate(body, call.headers.get("content-encoding"), gate.max_body_bytes)
        export = decode(signal.request, plain, kind, gate.max_depth)
    except OtlpRefusedError as error:
        await gate.refuse(call, signal.endpoint, tenant_id, received_at, body, error.reason,
                          error.detail, status=error.status, **error.extra)  # fmt: skip
    receipt = await record_export(gate, tenant_id, signal, export, encoding=kind)
    return replace(receipt_answer(receipt, receipt.reply, started), media_type=kind)


async def record_export(
    gate: IngestGate, tenant_id: str, signal: Signal, export: Any, *, encoding: str
) -> Receipt:
    """Steps 3 to 6 for a decoded export: screened, sealed and durable before the receipt, whose
    ``reply`` is the export response encoded as ``encoding`` (protobuf or JSON)."""
    received_at = gate.clock()
    read = signal.read(export)
    screened = await gate.screener.screen_many(
        [(payload, _dumps(payload)) for _, payload in read.records]
    )
    sealed = await gate.seal(
        tenant_id,
        [(facts.session_id, s) for (facts, _), s in zip(read.records, screened, strict=True)],
    )
    items = tuple(
        TelemetryItem(facts, s.payload_json, s.kinds, seal)
        for (facts, _), s, seal in zip(read.records, screened, sealed, strict=True)
    )
    reply = encode(signal.response(read), encoding)
    if not items:
        return Receipt(200, reply, None)
    return await gate.record(RecordTelemetry(tenant_id, items, received_at, signal.source,
                                             reply=reply))  # fmt: skip


def encode(message: Message, encoding: str) -> bytes:
    if encoding == JSON:
        return json_format.MessageToJson(message, indent=None).encode()
    return message.SerializeToString()


def _dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
