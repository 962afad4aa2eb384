"""OTLP/HTTP request bodies into the official protobuf messages (opentelemetry-proto).

Two encodings, as the OTLP specification defines them: ``application/x-protobuf`` (the binary
message) and ``application/json`` (protobuf's JSON mapping, except that trace and span ids are
hex strings, not base64). Either may be sent with ``Content-Encoding: gzip``. Nothing here is a
hand-written parser of the wire format: protobuf's own decoder and ``json_format`` do the work;
the JSON text is first read by the strict parser every ingest door uses (duplicate keys, depth,
UTF-8), then handed to ``json_format`` with the ids turned into the base64 it expects.

Every refusal is an ``OtlpRefusedError`` carrying the status and the problem's reason.
"""

from __future__ import annotations

import base64
import math
import zlib
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from write_api.parsing import BodyRejectedError, parse_object

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
SUPPORTED = (PROTOBUF, JSON)

M = TypeVar("M", bound=Message)

_IDS = {"traceId": 16, "spanId": 8, "parentSpanId": 8,
        "trace_id": 16, "span_id": 8, "parent_span_id": 8}  # fmt: skip
"""Id fields of OTLP/JSON, written in hex, and their size in bytes."""


class OtlpRefusedError(Exception):
    """The request cannot be decoded: answered ``status`` with a problem ``reason``."""

    def __init__(self, status: int, reason: str, detail: str, **extra: Any) -> None:
        super().__init__(f"{reason}: {detail}")
        self.status = status
        self.reason = reason
        self.detail = detail
        self.extra = extra


def media_type(content_type: str | None) -> str:
    """The encoding a ``Content-Type`` names, or 415 naming the supported ones."""
    kind = (content_type or "").partition(";")[0].strip().lower()
    if kind not in SUPPORTED:
        raise OtlpRefusedError(
            415, "unsupported_media_type",
            f"Content-Type {kind or '(none)'} is not supported; send {' or '.join(SUPPORTED)}",
            accepted=list(SUPPORTED),
        )  # fmt: skip
    return kind


def inflate(body: bytes, content_encoding: str | None, limit: int) -> bytes:
    """The body without its ``Content-Encoding`` (gzip or none), at most ``limit`` bytes."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "identity":
        return body
    if encoding != "gzip":
        raise OtlpRefusedError(
            415, "unsupported_encoding",
            f"Content-Encoding {encoding} is not supported; send gzip or none",
            accepted=["gzip", "identity"],
        )  # fmt: skip
    inflater = zlib.decompressobj(wbits=31)  # gzip framing only
    try:
        plain = inflater.decompress(body, limit + 1)
    except zlib.error as error:
        raise OtlpRefusedError(400, "invalid_gzip", f"the gzip body is corrupt ({error})") from None
    if len(plain) > limit:
        raise OtlpRefusedError(
            413, "too_large", f"the body inflates to more than {limit} bytes", limit=limit
        )
    if not inflater.eof or inflater.unused_data:
        raise OtlpRefusedError(
            400, "invalid_gzip", "the gzip body is truncated or has trailing data"
        )
    return plain


def decode(message: type[M], body: bytes, kind: str, max_depth: int) -> M:
    """The request message from its protobuf or OTLP/JSON encoding."""
    if kind == PROTOBUF:
        parsed = message()
        try:
            parsed.ParseFromString(body)
        except (DecodeError, RecursionError, ValueError) as error:
            raise OtlpRefusedError(400, "invalid_otlp", f"not a {message.DESCRIPTOR.name}: "
                                   f"{error or 'malformed protobuf'}") from None  # fmt: skip
        return parsed
    try:
        document = parse_object(body, max_depth)
    except BodyRejectedError as error:
        raise OtlpRefusedError(400, error.reason, error.detail) from None
    try:
        return json_format.ParseDict(
            _ids_as_base64(document), message(), ignore_unknown_fields=True
        )
    except (json_format.ParseError, RecursionError, ValueError, TypeError) as error:
        detail = str(error).splitlines()[0][:300] if str(error) else "malformed"
        raise OtlpRefusedError(400, "invalid_otlp", f"not a {message.DESCRIPTOR.name}: {detail}"
                               ) from None  # fmt: skip


def _ids_as_base64(value: Any) -> Any:
    """OTLP/JSON writes trace and span ids in hex; protobuf's JSON mapping reads base64."""
    if isinstance(value, list):
        return [_ids_as_base64(item) for item in value]
    if not isinstance(value, dict):
        return value
    converted: dict[str, Any] = {}
    for key, item in value.items():
        size = _IDS.get(key)
        if size is not None and isinstance(item, str) and item:
            try:
                raw = bytes.fromhex(item)
            except ValueError:
                raise OtlpRefusedError(400, "invalid_otlp", f"{key}: expected hex") from None
            if len(raw) != size:
                raise OtlpRefusedError(
                    400, "invalid_otlp", f"{key}: expected {size * 2} hex digits"
                )
            converted[key] = base64.b64encode(raw).decode("ascii")
        else:
            converted[key] = _ids_as_base64(item)
    return converted


def attributes(values: Any) -> dict[str, Any]:
    """OTLP ``KeyValue``s as a plain dict (a repeated key: the last one wins)."""
    return {pair.key: value(pair.value) for pair in values}


def value(any_value: AnyValue) -> Any:
    """One ``AnyValue`` as JSON can hold it (bytes in base64; a non-finite double as text).

    The kinds are tested most common first (tens of thousands of values per export)."""
    kind = any_value.WhichOneof("value")
    if kind == "string_value":
        return any_value.string_value
    if kind is None:
        return None
    if kind == "int_value":
        return any_value.int_value
    if kind == "bool_value":
        return any_value.bool_value
    if kind == "double_value":
        number = any_value.double_value
        return number if math.isfinite(number) else str(number)
    if kind == "array_value":
        return [value(item) for item in any_value.array_value.values]
    if kind == "kvlist_value":
        return attributes(any_value.kvlist_value.values)
    return base64.b64encode(any_value.bytes_value).decode("ascii")
