"""The ``ApiKey`` aggregate: one ingest key of one tenant, issued then maybe revoked.

Only the SHA-256 of the key's secret is ever recorded; the secret itself is shown once, to
whoever issued it. A revoked key stays revoked (rotation issues a new key and revokes the
old one). Key ids are public (they appear in the key: ``obs_<id>_<secret>``).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

_NAMESPACE = uuid5(NAMESPACE_URL, "https://observatory.dev/streams/api-key")


KEY_PREFIX = "obs"


def new_key() -> tuple[str, str]:
    """A fresh (key id, secret): 64 random bits of id, 256 of secret."""
    return secrets.token_hex(8), secrets.token_urlsafe(32)


def format_key(key_id: str, secret: str) -> str:
    return f"{KEY_PREFIX}_{key_id}_{secret}"


def split_key(key: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None."""
    prefix, _, rest = key.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != KEY_PREFIX or len(key_id) != 16 or not key_id.isalnum() or len(secret) < 32:
        return None
    return key_id, secret


def secret_digest(secret: str) -> str:
    """What is recorded of a key's secret (SHA-256: the secret is 256 random bits, so a slow
    password hash would add nothing but latency on the ingest path)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyRevokedError(Exception):
    """The key was revoked already."""


def api_key_stream_id(key_id: str) -> UUID:
    return uuid5(_NAMESPACE, key_id)


class ApiKey(Aggregate):
    class Issued(Aggregate.Created):
        key_id: str
        tenant_id: str
        name: str
        role: str
        secret_sha256: str
        by: str
        expires_at: datetime | None
        replaces: str | None

    class Revoked(Aggregate.Event):
        key_id: str
        tenant_id: str
        reason: str
        by: str

        def apply(self, aggregate: ApiKey) -> None:
            aggregate.revoked = True

    @staticmethod
    def create_id(key_id: str, **_: Any) -> UUID:
        return api_key_stream_id(key_id)

    def __init__(
        self,
        key_id: str,
        tenant_id: str,
        name: str,
        role: str,
        secret_sha256: str,
        by: str,
        expires_at: datetime | None,
        replaces: str | None,
    ) -> None:
        self.key_id, self.tenant_id, self.name, self.role = key_id, tenant_id, name, role
        self.secret_sha256 = secret_sha256
        self.by = by
        self.expires_at = expires_at
        self.replaces = replaces
        self.revoked = False

    @classmethod
    def issue(
        cls,
        key_id: str,
        tenant_id: str,
        name: str,
        role: str,
        secret_sha256: str,
        by: str,
        expires_at: datetime | None = None,
        replaces: str | None = None,
    ) -> ApiKey:
        return cls._create(
            cls.Issued, id=api_key_stream_id(key_id), key_id=key_id, tenant_id=tenant_id,
            name=name, role=role, secret_sha256=secret_sha256, by=by, expires_at=expires_at,
            replaces=replaces,
        )  # fmt: skip

    def revoke(self, reason: str, by: str) -> None:
        if self.revoked:
            raise KeyRevokedError(f"key {self.key_id} is revoked already")
        self.trigger_event(
            self.Revoked, key_id=self.key_id, tenant_id=self.tenant_id, reason=reason, by=by
        )
