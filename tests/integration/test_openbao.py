"""The keyring and secrets on a real OpenBao dev server: per-session transit keys wrap the
data keys, erasure deletes the transit key, and Observatory's secrets come from KV."""

from __future__ import annotations

import base64
import json

import hvac.exceptions
import pytest

from infra.keyring import KeyDestroyedError, VaultWrapper, keyring
from infra.vault import VaultError, with_vault_secrets
from tests.openbao import ROOT_TOKEN


@pytest.fixture
def vault_settings(settings, openbao):
    return settings.replace(vault_url=openbao.url, vault_token=ROOT_TOKEN)


def test_transit_wraps_each_session_key_and_erasure_deletes_it(vault_settings, pg_url, db, openbao):
    ring = keyring(vault_settings, pg_url)
    try:
        sealed = ring.seal("t1", "s-vault", b"jane@example.com")
        name = VaultWrapper.key_name("t1", "s-vault")
        assert openbao.secrets.transit.read_key(name=name)["data"]["name"] == name
        wrapper, wrapped = db.execute(
            "SELECT wrapper, wrapped FROM privacy_keys WHERE session_id = 's-vault'"
        ).fetchone()
        assert wrapper == "vault"
        assert bytes(wrapped).startswith(b"vault:v1:")  # a transit ciphertext, not a key
        assert ring.unseal("t1", "s-vault", sealed) == b"jane@example.com"

        assert ring.destroy("t1", "s-vault", by="test")
        with pytest.raises(hvac.exceptions.InvalidPath):
            openbao.secrets.transit.read_key(name=name)
        with pytest.raises(KeyDestroyedError):
            ring.unseal("t1", "s-vault", sealed)
    finally:
        ring.close()


def test_a_restored_backup_of_the_wrapped_key_is_useless_after_erasure(vault_settings, pg_url, db):
    ring = keyring(vault_settings, pg_url)
    try:
        sealed = ring.seal("t1", "s-backup", b"4111 1111 1111 1111")
        backup = db.execute(
            "SELECT tenant_id, session_id, wrapped, wrapper FROM privacy_keys"
            " WHERE session_id = 's-backup'"
        ).fetchone()
        ring.destroy("t1", "s-backup", by="test")
        db.execute("DELETE FROM privacy_erasures WHERE session_id = 's-backup'")
        db.execute("INSERT INTO privacy_keys (tenant_id, session_id, wrapped, wrapper)"
                   " VALUES (%s, %s, %s, %s)", backup)  # fmt: skip
        with pytest.raises(KeyDestroyedError):
            ring.unseal("t1", "s-backup", sealed)
    finally:
        ring.close()


def test_secrets_come_from_kv(vault_settings, openbao):
    signing = json.dumps({"kty": "OKP", "crv": "Ed25519", "x": "x", "d": "d"})
    master = base64.b64encode(bytes(32)).decode()
    openbao.secrets.kv.v2.create_or_update_secret(
        path="observatory", secret={"database_password": "s3cr3t", "signing_key": signing,
                                    "master_key": master},
    )  # fmt: skip
    configured = vault_settings.replace(
        vault_secrets_path="observatory",
        database_url="postgresql://obs@db.internal:5432/observatory",
    )
    loaded = with_vault_secrets(configured)
    assert "password=s3cr3t" in loaded.database_url
    assert loaded.signing_key == signing
    assert loaded.master_key == master


def test_a_wrong_vault_token_is_a_clear_error(vault_settings):
    with pytest.raises(VaultError, match="refused the token"):
        with_vault_secrets(vault_settings.replace(vault_token="nope", vault_secrets_path="x"))
