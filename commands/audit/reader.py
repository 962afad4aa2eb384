"""A session as auditors read it: every event in order, with positions and hashes.

Redacted as stored; an auditor who may unseal gets the sealed originals put back where they
were (``unsealed: true``). After an erasure the originals are gone: those events say
``erased: true`` and stay redacted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from commands.store.application import EventStoreApplication
from domain.audit.records import describe
from domain.privacy.redaction import restore
from domain.sessions.values import session_stream_id

Unseal = Callable[[str, str, str], bytes]
"""(tenant, session, sealed) -> the originals' JSON; raises LookupError once erased."""


class SessionAuditReader:
    def __init__(self, store: EventStoreApplication) -> None:
        self._store = store

    def exists(self, tenant_id: str, session_id: str) -> bool:
        stream = session_stream_id(tenant_id, session_id)
        return bool(self._store.recorder.select_events(stream, limit=1))

    def events(
        self, tenant_id: str, session_id: str, unseal: Unseal | None = None
    ) -> Iterator[dict[str, Any]]:
        stream = session_stream_id(tenant_id, session_id)
        positions_of = getattr(self._store.recorder, "stream_positions", None)
        positions: dict[int, int] = positions_of(stream) if positions_of else {}
        ruling: dict[str, str] | None = None
        for event in self._store.events.get(stream):
            version = int(event.originator_version)
            record = describe(event, positions.get(version, 0))
            if ruling is not None and record["type"] == "ToolCallDecided":
                # The hook's sealed originals include its ruling's, recorded right after it.
                record.update(restore({k: record[k] for k in ("message", "shadow")}, ruling))
                record["unsealed"] = True
            ruling = None
            sealed = getattr(event, "sealed", None)
            if unseal is not None and sealed:
                try:
                    originals = json.loads(unseal(tenant_id, session_id, sealed))
                except LookupError:
                    record["unsealed"], record["erased"] = False, True
                else:
                    for part in ("payload", "context"):
                        if part in originals:
                            record[part] = restore(record[part], originals[part])
                    ruling = originals.get("ruling")
                    record["unsealed"] = True
            yield record
