"""What every PostgreSQL read model does to text before storing it, so that whatever ingest
accepts can be stored (docs/read-models.md, "What read models store").

- **NUL.** PostgreSQL's ``text`` and ``jsonb`` cannot hold U+0000 (``jsonb`` refuses the JSON
  escape ``\\u0000`` too). Every NUL becomes the six characters ``\\u0000`` (``NUL_MARK``):
  visible, and never mistaken for the end of a string. ``protect(conn)`` installs this on a
  connection for every ``str`` parameter (including ``COPY`` rows) and every ``Jsonb`` value,
  so no view can forget it; ``jsonb_text`` does it for JSON text cast to ``jsonb``.
- **Dimensions.** Values that are part of an index key (a btree row holds at most about
  2,700 bytes) and name a group — project, model, agent type, tool — are cut to
  ``DIMENSION_MAX_BYTES`` of UTF-8 by ``dimension``: the start of the value, ``…`` and eight
  hex digits of its SHA-256, so two long values stay apart and a rebuild cuts them the same.
  Free text that no index holds (cwd, transcript path, payload) is stored whole.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import psycopg
from psycopg.types.json import set_json_dumps
from psycopg.types.string import StrBinaryDumper, StrDumperUnknown

NUL = "\x00"
NUL_MARK = "\\u0000"
"""What a NUL becomes: a backslash, ``u`` and four zeros."""

DIMENSION_MAX_BYTES = 256
"""Longest project, model, agent type or tool name a read model keeps, in UTF-8 bytes."""


def without_nul(text: str) -> str:
    return text.replace(NUL, NUL_MARK) if NUL in text else text


def dimension(text: str | None) -> str | None:
    """``text`` cut to ``DIMENSION_MAX_BYTES`` (see the module docstring); None stays None."""
    if text is None:
        return None
    text = without_nul(text)
    raw = text.encode()
    if len(raw) <= DIMENSION_MAX_BYTES:
        return text
    digest = hashlib.sha256(raw).hexdigest()[:8]
    keep = raw[: DIMENSION_MAX_BYTES - len(digest) - 3].decode(errors="ignore")
    return f"{keep}…{digest}"


def jsonb_text(document: str) -> str:
    """JSON text that ``jsonb`` accepts: a NUL escape inside a string becomes ``NUL_MARK``."""
    if "\\u0000" not in document:
        return document
    return json.dumps(_without_nul(json.loads(document)), ensure_ascii=False)


def jsonb_dumps(value: Any) -> str:
    return jsonb_text(json.dumps(value))


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return without_nul(value)
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


class _TextDumper(StrDumperUnknown):
    def dump(self, obj: str) -> bytes:
        # Inline (no call): this runs for every string of every row a view writes.
        if NUL in obj:
            obj = obj.replace(NUL, NUL_MARK)
        return obj.encode(self._encoding)


class _TextBinaryDumper(StrBinaryDumper):
    def dump(self, obj: str) -> bytes:
        if NUL in obj:
            obj = obj.replace(NUL, NUL_MARK)
        return obj.encode(self._encoding)


def protect(conn: psycopg.Connection[Any]) -> None:
    """Makes every string and ``Jsonb`` value sent on ``conn`` storable (NUL replaced)."""
    # Binary first: each registration also takes the automatic format, which must stay text
    # (the unknown oid lets PostgreSQL infer a parameter's type, as psycopg's default does).
    conn.adapters.register_dumper(str, _TextBinaryDumper)
    conn.adapters.register_dumper(str, _TextDumper)
    set_json_dumps(jsonb_dumps, conn)
