"""``POST /v1/logs``: an OTLP logs export, each record an event of its agent session.

Order of work for one export (the hook gate's steps, for many records at once):

1. the caller's tenant; the body within the size limit (413); its ``Content-Type`` (415 names
   the supported ones) and ``Content-Encoding`` (gzip, inflated within the same limit);
2. the ``ExportLogsServiceRequest``, decoded by protobuf (binary or OTLP/JSON); anything that
   does not decode is kept in quarantine and answered a 400 problem document;
3. each log record read as ``TelemetryFacts``: a record that names no session (or mistypes
   what the read models use) is rejected alone, and counted in the answer's
   ``partial_success``;
4. each kept record screened for personal data and secrets, the originals sealed with its
   session's data key (one trip to the keyring for the whole export);
5. one ``RecordTelemetry`` through the group-commit writer: every record of the export is
   committed, in order, in one transaction, before the answer;
6. the answer: 200 with an ``ExportLogsServiceResponse`` in the request's encoding.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord

from commands.ingest.messages import Receipt, RecordTelemetry, TelemetryItem
from domain.privacy.redaction import Memo
from domain.sessions.errors import TelemetryRecordInvalidError
from domain.sessions.telemetry import TelemetryFacts
from infra.access.principal import tenant_of
from write_api.call import Call
from write_api.gate import IngestGate
from write_api.otlp.decoding import (
    JSON,
    OtlpRefusedError,
    attributes,
    decode,
    inflate,
    media_type,
    value,
)
from write_api.responses import Answer, receipt_answer

ENDPOINT = "/v1/logs"
SOURCE = "otlp-logs"


@dataclass
class _Read:
    """What an export holds that can be recorded, and what was rejected."""

    records: list[tuple[TelemetryFacts, dict[str, Any]]]
    rejected: int = 0
    first_problem: str = ""


async def receive_logs(gate: IngestGate, call: Call) -> Answer:
    """One export through every step (see the module doc); raises ``IngestRefusedError``."""
    received_at, started = gate.clock(), time.perf_counter()
    tenant_id = tenant_of(call, gate.tenant_id)
    body = await gate.read_body(call, ENDPOINT, tenant_id, received_at)
    try:
        kind = media_type(call.headers.get("content-type"))
        plain = inflate(body, call.headers.get("content-encoding"), gate.max_body_bytes)
        export = decode(ExportLogsServiceRequest, plain, kind, gate.max_depth)
    except OtlpRefusedError as error:
        await gate.refuse(call, ENDPOINT, tenant_id, received_at, body, error.reason,
                          error.detail, status=error.status, **error.extra)  # fmt: skip
    read = _read(export)
    memo: Memo = {}  # the standard attributes repeat in every record: scan each string once
    screened = [
        await gate.screener.screen_hook(payload, text, None, None, size=len(text), memo=memo)
        for _, payload in read.records
        for text in (_dumps(payload),)
    ]
    sealed = await gate.seal(
        tenant_id,
        [(facts.session_id, s) for (facts, _), s in zip(read.records, screened, strict=True)],
    )
    items = tuple(
        TelemetryItem(facts, s.payload_json, s.kinds, seal)
        for (facts, _), s, seal in zip(read.records, screened, sealed, strict=True)
    )
    reply = _reply(read, kind)
    if not items:
        return _answer(Receipt(200, reply, None), kind, started)
    command = RecordTelemetry(tenant_id, items, received_at, SOURCE, reply=reply)
    return _answer(await gate.record(command), kind, started)


def _read(export: ExportLogsServiceRequest) -> _Read:
    read = _Read([])
    for resource_logs in export.resource_logs:
        resource = attributes(resource_logs.resource.attributes)
        for scope_logs in resource_logs.scope_logs:
            scope = {"name": scope_logs.scope.name, "version": scope_logs.scope.version}
            for record in scope_logs.log_records:
                payload = _payload(record, resource, scope)
                try:
                    facts = TelemetryFacts.from_record(
                        payload["attributes"], resource, body=payload["body"],
                        time_unix_nano=record.time_unix_nano or record.observed_time_unix_nano,
                    )  # fmt: skip
                except TelemetryRecordInvalidError as error:
                    read.rejected += 1
                    read.first_problem = read.first_problem or "; ".join(error.problems)
                    continue
                read.records.append((facts, payload))
    return read


def _payload(record: LogRecord, resource: dict[str, Any], scope: dict[str, str]) -> dict[str, Any]:
    """The whole record as the event keeps it (ids in hex, as OTLP/JSON writes them)."""
    return {
        "body": value(record.body) if record.HasField("body") else None,
        "attributes": attributes(record.attributes),
        "resource": resource,
        "scope": scope,
        "time_unix_nano": record.time_unix_nano,
        "observed_time_unix_nano": record.observed_time_unix_nano,
        "severity_number": record.severity_number,
        "severity_text": record.severity_text,
        "trace_id": record.trace_id.hex() or None,
        "span_id": record.span_id.hex() or None,
    }


def _dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _reply(read: _Read, kind: str) -> bytes:
    response = ExportLogsServiceResponse()
    if read.rejected:
        response.partial_success.rejected_log_records = read.rejected
        response.partial_success.error_message = (
            f"{read.rejected} log record(s) rejected, the others recorded; "
            f"first: {read.first_problem}"
        )
    if kind == JSON:
        return json_format.MessageToJson(response, indent=None).encode()
    return response.SerializeToString()


def _answer(receipt: Receipt, kind: str, started: float) -> Answer:
    return replace(receipt_answer(receipt, receipt.reply, started), media_type=kind)
