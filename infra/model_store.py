"""Model artifacts in PostgreSQL, addressed by their SHA-256 (``model_artifacts``).

Put is idempotent (the same bytes have the same address); get verifies the digest, so a
tampered or truncated artifact is refused, never loaded (an anomaly model is a pickle).
"""

from __future__ import annotations

import hashlib

from infra.database import connect


class ArtifactNotFoundError(LookupError):
    """No artifact with that SHA-256: train and register the model first."""


class ArtifactCorruptError(ValueError):
    """The stored bytes do not hash to their address."""


class ModelStore:
    def __init__(self, url: str, schema: str) -> None:
        self._url, self._schema = url, schema

    def put(self, kind: str, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        with connect(self._url, self._schema, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO model_artifacts (sha256, kind, bytes) VALUES (%s, %s, %s)"
                " ON CONFLICT (sha256) DO NOTHING",
                (digest, kind, data),
            )
        return digest

    def get(self, sha256: str) -> bytes:
        with connect(self._url, self._schema, autocommit=True) as conn:
            row = conn.execute(
                "SELECT bytes FROM model_artifacts WHERE sha256 = %s", (sha256,)
            ).fetchone()
        if row is None:
            raise ArtifactNotFoundError(f"no model artifact {sha256[:12]}…; train it first")
        data = bytes(row[0])
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ArtifactCorruptError(f"model artifact {sha256[:12]}… does not match its hash")
        return data
