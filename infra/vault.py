"""OpenBao/Vault through hvac: the client, and Observatory's secrets read at start-up.

With ``vault_secrets_path`` set, the KV v2 secret there may hold ``database_password`` (put
into the database URL), ``signing_key`` (the local token signing JWK) and ``master_key``: they
are read once, when an entry point builds its settings, and never written to disk.
"""

from __future__ import annotations

import os
from typing import Any

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from infra.settings import Settings


class VaultError(RuntimeError):
    """Vault/OpenBao could not be used as configured; the message says what to check."""


def vault_client(settings: Settings) -> Any:
    import hvac

    token = settings.vault_token or os.environ.get("VAULT_TOKEN")
    client = hvac.Client(url=settings.vault_url, token=token)
    try:
        authenticated = client.is_authenticated()
    except Exception as error:  # noqa: BLE001 - any failure: say where we looked
        raise VaultError(f"cannot reach Vault at {settings.vault_url}: {error}") from None
    if not authenticated:
        raise VaultError(f"Vault at {settings.vault_url} refused the token (set VAULT_TOKEN)")
    return client


def with_vault_secrets(settings: Settings) -> Settings:
    """Settings with the secrets kept in Vault filled in (unchanged without a Vault path)."""
    if not settings.vault_url or not settings.vault_secrets_path:
        return settings
    client = vault_client(settings)
    try:
        answer = client.secrets.kv.v2.read_secret_version(
            path=settings.vault_secrets_path, mount_point=settings.vault_kv_mount,
            raise_on_deleted_version=True,
        )  # fmt: skip
    except Exception as error:  # noqa: BLE001
        raise VaultError(
            f"cannot read {settings.vault_kv_mount}/{settings.vault_secrets_path}: {error}"
        ) from None
    data: dict[str, Any] = answer["data"]["data"]
    changes: dict[str, Any] = {}
    if data.get("database_password") and settings.database_url:
        parts = conninfo_to_dict(settings.database_url)
        parts["password"] = data["database_password"]
        changes["database_url"] = make_conninfo("", **parts)
    if data.get("signing_key"):
        changes["signing_key"] = data["signing_key"]
    if data.get("master_key"):
        changes["master_key"] = data["master_key"]
    return settings.replace(**changes)
