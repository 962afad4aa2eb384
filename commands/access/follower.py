"""The API keys each API process checks callers against, kept current from the log."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from eventsourcing.utils import get_topic

from commands.access.service import NOTIFY_CHANNEL
from commands.store.application import EventStoreApplication
from commands.store.following import LogFollower
from domain.access.api_keys import ApiKey


@dataclass(frozen=True)
class KeyEntry:
    key_id: str
    tenant_id: str
    name: str
    role: str
    secret_sha256: str
    issued_at: datetime
    issued_by: str
    expires_at: datetime | None
    revoked: bool = False


class KeyFollower(LogFollower):
    topics = [get_topic(ApiKey.Issued), get_topic(ApiKey.Revoked)]
    channel = NOTIFY_CHANNEL

    def __init__(self, store: EventStoreApplication) -> None:
        super().__init__(store)
        self._keys: dict[str, KeyEntry] = {}

    def find(self, key_id: str) -> KeyEntry | None:
        return self._keys.get(key_id)

    def keys(self, tenant_id: str) -> list[KeyEntry]:
        return sorted(
            (k for k in self._keys.values() if k.tenant_id == tenant_id),
            key=lambda k: k.issued_at,
        )

    def _apply(self, event: Any) -> None:
        if isinstance(event, ApiKey.Issued):
            self._keys[event.key_id] = KeyEntry(
                event.key_id, event.tenant_id, event.name, event.role, event.secret_sha256,
                event.timestamp, event.by, event.expires_at,
            )  # fmt: skip
        elif isinstance(event, ApiKey.Revoked) and event.key_id in self._keys:
            self._keys[event.key_id] = replace(self._keys[event.key_id], revoked=True)
