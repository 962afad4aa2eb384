"""Sealing personal data with per-session data keys (envelope encryption).

Each session gets a random 256-bit data key; sealed values are AES-256-GCM with the tenant
and session as associated data. The data key is stored wrapped in ``privacy_keys``:

* ``LocalWrapper`` (the embedded default) wraps it with a master key kept in a file (0600);
* ``VaultWrapper`` wraps it with a per-session key of OpenBao/Vault's transit engine, through
  hvac. Erasure also deletes that transit key, so the wrapped data key left in any database
  backup can no longer be unwrapped.

``destroy`` is the crypto-shredding step: afterwards nothing sealed for the session can be
read, by anyone.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg_pool import ConnectionPool

from infra.database import conninfo
from infra.settings import Settings

FORMAT = "v1"


class KeyDestroyedError(LookupError):
    """The session's data key was destroyed (erased): its sealed data cannot be read."""


class Wrapper(Protocol):
    name: str

    def wrap(self, tenant_id: str, session_id: str, key: bytes) -> bytes: ...
    def unwrap(self, tenant_id: str, session_id: str, wrapped: bytes) -> bytes: ...
    def destroy(self, tenant_id: str, session_id: str) -> None: ...


def _aad(tenant_id: str, session_id: str) -> bytes:
    return f"{tenant_id}/{session_id}".encode()


class LocalWrapper:
    name = "local"

    def __init__(self, master_key: bytes) -> None:
        self._aead = AESGCM(master_key)

    @classmethod
    def from_file(cls, path: Path) -> LocalWrapper:
        """Loads the master key, creating it (0600) the first time."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(AESGCM.generate_key(bit_length=256))
        return cls(path.read_bytes())

    def wrap(self, tenant_id: str, session_id: str, key: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, key, _aad(tenant_id, session_id))

    def unwrap(self, tenant_id: str, session_id: str, wrapped: bytes) -> bytes:
        return self._aead.decrypt(wrapped[:12], wrapped[12:], _aad(tenant_id, session_id))

    def destroy(self, tenant_id: str, session_id: str) -> None:
        """Nothing beyond deleting the wrapped key (done by the keyring)."""


class VaultWrapper:
    name = "vault"

    def __init__(self, client: Any, mount: str = "transit") -> None:
        self._client = client
        self._mount = mount

    @staticmethod
    def key_name(tenant_id: str, session_id: str) -> str:
        return "obs-" + hashlib.sha256(_aad(tenant_id, session_id)).hexdigest()[:40]

    def wrap(self, tenant_id: str, session_id: str, key: bytes) -> bytes:
        name = self.key_name(tenant_id, session_id)
        transit = self._client.secrets.transit
        transit.create_key(name=name, mount_point=self._mount)
        answer = transit.encrypt_data(
            name=name, plaintext=base64.b64encode(key).decode(), mount_point=self._mount
        )
        return str(answer["data"]["ciphertext"]).encode()

    def unwrap(self, tenant_id: str, session_id: str, wrapped: bytes) -> bytes:
        import hvac.exceptions

        try:
            answer = self._client.secrets.transit.decrypt_data(
                name=self.key_name(tenant_id, session_id),
                ciphertext=wrapped.decode(),
                mount_point=self._mount,
            )
        except (hvac.exceptions.InvalidRequest, hvac.exceptions.InvalidPath) as error:
            raise KeyDestroyedError(f"the transit key of {session_id} is gone: {error}") from None
        return base64.b64decode(answer["data"]["plaintext"])

    def destroy(self, tenant_id: str, session_id: str) -> None:
        import hvac.exceptions

        name = self.key_name(tenant_id, session_id)
        transit = self._client.secrets.transit
        try:
            transit.update_key_configuration(
                name=name, deletion_allowed=True, mount_point=self._mount
            )
            transit.delete_key(name=name, mount_point=self._mount)
        except hvac.exceptions.InvalidPath:
            pass  # never created: nothing was sealed with it


class Keyring:
    """Seals and unseals for sessions; the only place data keys exist in the clear."""

    def __init__(
        self, pool: ConnectionPool[Any], wrapper: Wrapper, cache_size: int = 10_000
    ) -> None:
        self._pool = pool
        self._wrapper = wrapper
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def seal(self, tenant_id: str, session_id: str, plaintext: bytes) -> str:
        key = self._key(tenant_id, session_id, create=True)
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, plaintext, _aad(tenant_id, session_id))
        return ":".join(
            (FORMAT, base64.b64encode(nonce).decode(), base64.b64encode(sealed).decode())
        )

    def unseal(self, tenant_id: str, session_id: str, sealed: str) -> bytes:
        """Always reads the stored key (never the cache), so an erasure is final at once."""
        version, nonce, body = sealed.split(":")
        if version != FORMAT:
            raise ValueError(f"unknown sealed format {version!r}")
        key = self._key(tenant_id, session_id, create=False, cached=False)
        return AESGCM(key).decrypt(base64.b64decode(nonce), base64.b64decode(body),
                                   _aad(tenant_id, session_id))  # fmt: skip

    def destroy(self, tenant_id: str, session_id: str, by: str) -> bool:
        """Crypto-shreds a session; True if there was a key to destroy."""
        with self._lock:
            self._cache.pop((tenant_id, session_id), None)
        with self._pool.connection() as conn:
            deleted = conn.execute(
                "DELETE FROM privacy_keys WHERE tenant_id = %s AND session_id = %s",
                (tenant_id, session_id),
            ).rowcount
            conn.execute(
                "INSERT INTO privacy_erasures (tenant_id, session_id, erased_by)"
                " VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                (tenant_id, session_id, by),
            )
        self._wrapper.destroy(tenant_id, session_id)
        return bool(deleted)

    def close(self) -> None:
        self._pool.close()

    def forget(self, tenant_id: str, session_id: str) -> None:
        """Drops a cached key (another process erased the session)."""
        with self._lock:
            self._cache.pop((tenant_id, session_id), None)

    def _key(self, tenant_id: str, session_id: str, *, create: bool, cached: bool = True) -> bytes:
        slot = (tenant_id, session_id)
        if cached:
            with self._lock:
                if slot in self._cache:
                    self._cache.move_to_end(slot)
                    return self._cache[slot]
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT k.wrapped, e.session_id IS NOT NULL FROM (SELECT 1) one "
                "LEFT JOIN privacy_keys k ON k.tenant_id = %s AND k.session_id = %s "
                "LEFT JOIN privacy_erasures e ON e.tenant_id = %s AND e.session_id = %s",
                (tenant_id, session_id, tenant_id, session_id),
            ).fetchone()
            wrapped, erased = (row[0], row[1]) if row else (None, False)
            if erased:
                raise KeyDestroyedError(f"session {session_id} was erased")
            if wrapped is None:
                if not create:
                    raise KeyDestroyedError(f"no data key for session {session_id}")
                key = AESGCM.generate_key(bit_length=256)
                conn.execute(
                    "INSERT INTO privacy_keys (tenant_id, session_id, wrapped, wrapper) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (tenant_id, session_id, self._wrapper.wrap(tenant_id, session_id, key),
                     self._wrapper.name),
                )  # fmt: skip
                # Another writer may have won the race: use whatever is stored now.
                stored = conn.execute(
                    "SELECT wrapped FROM privacy_keys WHERE tenant_id = %s AND session_id = %s",
                    (tenant_id, session_id),
                ).fetchone()
                wrapped = stored[0]
            key = self._wrapper.unwrap(tenant_id, session_id, bytes(wrapped))
        with self._lock:
            self._cache[slot] = key
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return key


def keyring(settings: Settings, url: str) -> Keyring:
    """The keyring the settings ask for: OpenBao/Vault transit when configured, else local."""
    from psycopg.conninfo import make_conninfo

    pool: ConnectionPool[Any] = ConnectionPool(
        make_conninfo(url, options=f"-c search_path={settings.database_schema}"),
        min_size=1, max_size=2, kwargs={"autocommit": True}, open=True,
    )  # fmt: skip
    if settings.vault_url:
        from infra.vault import vault_client

        wrapper: Wrapper = VaultWrapper(vault_client(settings), settings.vault_transit_mount)
    elif settings.master_key:
        wrapper = LocalWrapper(base64.b64decode(settings.master_key))
    else:
        wrapper = LocalWrapper.from_file(settings.data_dir / "keys" / f"{_safe(url)}.master")
    return Keyring(pool, wrapper)


def _safe(url: str) -> str:
    info = conninfo(url)
    return hashlib.sha256(f"{info['host']}:{info['port']}/{info['dbname']}".encode()).hexdigest()[
        :16
    ]
