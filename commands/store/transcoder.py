"""The event store's JSON transcoder, encoding and decoding with msgspec's C codec.

Decoding stored events is what every projector, the relay and the audit tools spend most of
their time on (about 60 us per event with the ``json`` module, most of it in the parser).
This reads the very same JSON with msgspec, then revives eventsourcing's typed values
(``{"_type_": ..., "_data_": ...}``: UUIDs, datetimes, decimals) bottom-up, exactly as the
``json`` module's ``object_hook`` would.

Encoding writes the very bytes eventsourcing's ``json`` encoder writes (compact, UTF-8, typed
values as ``{"_type_", "_data_"}``), three times faster, for the values our events hold: strings,
integers, booleans, None, floats that ``repr`` writes without an exponent (msgspec writes
``1e16`` where ``json`` writes ``1e+16``), UUIDs, datetimes, and lists and string-keyed dicts of
those. A state holding anything else goes through eventsourcing's encoder, unchanged.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import JSONTranscoder

_PLAIN = (str, int, bool, type(None))


class _NotLeanError(Exception):
    """A value the lean encoder does not write exactly as ``json`` would."""


class FastJSONTranscoder(JSONTranscoder):
    def encode(self, obj: Any) -> bytes:
        try:
            return msgspec.json.encode(self._lean(obj))
        except (_NotLeanError, msgspec.EncodeError):
            return super().encode(obj)

    def _lean(self, value: Any) -> Any:
        kind = type(value)
        if kind in _PLAIN:
            return value
        if kind is dict:
            lean = dict(value)
            for key, item in value.items():
                if type(key) is not str:
                    raise _NotLeanError
                if type(item) not in _PLAIN:
                    lean[key] = self._lean(item)
            return lean
        if kind is list or kind is tuple:
            return [item if type(item) in _PLAIN else self._lean(item) for item in value]
        if kind is float:
            if value == 0 or (math.isfinite(value) and 1e-4 <= abs(value) < 1e16):
                return value
            raise _NotLeanError
        if kind is datetime or kind is UUID:
            return self._encode_obj(value)  # {"_type_": ..., "_data_": ...}, as registered
        raise _NotLeanError

    def decode(self, data: bytes) -> Any:
        return self._revive(msgspec.json.decode(data))

    def _revive(self, value: Any) -> Any:
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, (dict, list)):
                    value[key] = self._revive(item)
            return self._decode_obj(value)
        if isinstance(value, list):
            return [self._revive(v) if isinstance(v, (dict, list)) else v for v in value]
        return value
