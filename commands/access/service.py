"""The AccessDesk: issue, rotate and revoke API keys; record audited actions.

A key is ``obs_<id>_<secret>``: the id names the key (public, shown in lists and logs), the
secret is 256 random bits shown once. Only the secret's SHA-256 is recorded (a slow password
hash buys nothing for 256 random bits, and verification stays on the ingest hot path).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from commands.store.application import EventStoreApplication
from commands.store.following import announce
from domain.access.actions import AuditedAction
from domain.access.api_keys import (
    ApiKey,
    api_key_stream_id,
    format_key,
    new_key,
    secret_digest,
)

NOTIFY_CHANNEL = "observatory_access"
"""API processes LISTEN here to pick up issued and revoked keys at once."""


class KeyNotFoundError(LookupError):
    """No key with this id in this tenant."""


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    key: str
    """The whole key, ``obs_<id>_<secret>``: shown once, never stored."""
    position: int


class AccessDesk(EventStoreApplication):
    def issue_key(
        self,
        tenant_id: str,
        name: str,
        role: str,
        by: str,
        expires_at: datetime | None = None,
        replaces: str | None = None,
    ) -> IssuedKey:
        key_id, secret = new_key()
        key = ApiKey.issue(
            key_id, tenant_id, name, role, secret_digest(secret), by, expires_at, replaces
        )
        recordings = self.save(key)
        position = recordings[-1].notification.id
        announce(self, NOTIFY_CHANNEL, position)
        return IssuedKey(key_id, format_key(key_id, secret), position)

    def revoke_key(self, tenant_id: str, key_id: str, reason: str, by: str) -> int:
        key = self._key(tenant_id, key_id)
        key.revoke(reason, by)
        position = self.save(key)[-1].notification.id
        announce(self, NOTIFY_CHANNEL, position)
        return position

    def rotate_key(self, tenant_id: str, key_id: str, by: str) -> IssuedKey:
        """A new key with the old one's name and role; the old one is revoked."""
        old = self._key(tenant_id, key_id)
        issued = self.issue_key(tenant_id, old.name, old.role, by, old.expires_at, key_id)
        if not old.revoked:
            self.revoke_key(tenant_id, key_id, f"rotated to {issued.key_id}", by)
        return issued

    def record_action(
        self, tenant_id: str, actor: str, action: str, target: str, detail: dict[str, Any]
    ) -> int:
        """Records a command that changes nothing else (unseal, export, token minting)."""
        recorded = AuditedAction.record(tenant_id, actor, action, target, detail)
        return int(self.save(recorded)[-1].notification.id)

    def _key(self, tenant_id: str, key_id: str) -> ApiKey:
        # Another tenant's key is not found, never forbidden.
        missing = KeyNotFoundError(f"no key {key_id!r}")
        return self.owned(api_key_stream_id(key_id), ApiKey, tenant_id, missing)
