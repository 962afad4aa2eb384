"""Serialised models: one self-describing byte string with a SHA-256.

Layout: ``MAGIC`` + 4-byte big-endian header length + canonical JSON header (kind, version,
feature schema, thresholds, metrics, params) + payload (a pickle of scikit-learn objects, or a
``torch.save`` of a ``state_dict``). Invariants: ``to_bytes`` is deterministic (sorted keys, no
timestamps), so the same training run gives the same digest; ``from_bytes`` verifies the digest
when one is given — sklearn payloads are pickles, so only load bytes whose digest the model
registry recorded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SEVERITIES", "ArtifactDigestError", "ModelArtifact"]

MAGIC = b"OBSML1\n"
SEVERITIES = ("info", "warning", "critical")


class ArtifactDigestError(ValueError):
    """The bytes do not hash to the digest the registry recorded, or are not an artifact."""


@dataclass(frozen=True)
class ModelArtifact:
    """A trained model as bytes plus everything needed to use it safely."""

    kind: str
    """``anomaly-isolation-forest`` | ``failure-gru`` | ``burn-rate-ewma``."""
    version: str
    """Model code version; bumped when the payload format or the model's meaning changes."""
    feature_schema_version: str
    feature_names: tuple[str, ...]
    thresholds: dict[str, float]
    """Score threshold per severity (info <= warning <= critical), chosen on validation data."""
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    payload: bytes = b""

    def header(self) -> dict[str, Any]:
        """The JSON-able metadata (what a ``ModelVersion`` event records besides the digest)."""
        return {
            "kind": self.kind,
            "version": self.version,
            "feature_schema_version": self.feature_schema_version,
            "feature_names": list(self.feature_names),
            "thresholds": self.thresholds,
            "metrics": self.metrics,
            "params": self.params,
        }

    def to_bytes(self) -> bytes:
        """Canonical serialisation (deterministic for equal artifacts)."""
        header = json.dumps(self.header(), sort_keys=True, separators=(",", ":")).encode()
        return MAGIC + len(header).to_bytes(4, "big") + header + self.payload

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of ``to_bytes()``."""
        return hashlib.sha256(self.to_bytes()).hexdigest()

    @classmethod
    def from_bytes(cls, data: bytes, expected_sha256: str | None = None) -> ModelArtifact:
        """Parse bytes written by ``to_bytes``; raise ``ArtifactDigestError`` on a mismatch."""
        if expected_sha256 is not None and hashlib.sha256(data).hexdigest() != expected_sha256:
            raise ArtifactDigestError("artifact bytes do not match the recorded SHA-256")
        if not data.startswith(MAGIC):
            raise ArtifactDigestError("not an Observatory model artifact")
        start = len(MAGIC) + 4
        size = int.from_bytes(data[len(MAGIC) : start], "big")
        header = json.loads(data[start : start + size])
        return cls(
            kind=header["kind"],
            version=header["version"],
            feature_schema_version=header["feature_schema_version"],
            feature_names=tuple(header["feature_names"]),
            thresholds={k: float(v) for k, v in header["thresholds"].items()},
            metrics={k: float(v) for k, v in header["metrics"].items()},
            params=header["params"],
            payload=data[start + size :],
        )

    def severity(self, score: float) -> str | None:
        """The highest severity whose threshold ``score`` reaches, or None."""
        reached = None
        for name in SEVERITIES:
            if score >= self.thresholds.get(name, float("inf")):
                reached = name
        return reached
