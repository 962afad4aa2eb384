"""What the scorer records does not depend on how the stream was cut into batches: a
session's first ``WARMUP`` events are never judged, even when later events of the same session
arrive in the same batch (the scoring worker's batches are whatever the stream holds when it
pulls, so batching varies from run to run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from commands.reactions.scoring.models import Vector
from commands.reactions.scoring.scorer import WARMUP, Scorer

ODD = {1, 2, 3, WARMUP + 2}
"""The events (by count in their session) the fake anomaly model finds unusual: the first few
(few events look odd to a real model too: the reason for the warm-up) and one after it."""


@dataclass(frozen=True)
class Version:
    id: str = "anomaly-1"
    artifact_sha256: str = "sha"
    metrics: Any = field(default_factory=lambda: {"thresholds": {"warning": 0.5}})


class Registry:
    def promoted(self, _tenant: str, kind: str) -> Version | None:
        return Version() if kind == "anomaly" else None


class Artifacts:
    def get(self, _sha256: str) -> bytes:
        return b""


class Count:
    """Feature state whose vector is the number of events folded in."""

    def __init__(self) -> None:
        self.n = 0

    def update_and_vector(self, _event: Any) -> Vector:
        self.n += 1
        return np.array([self.n], dtype=np.float32)


class EarlyIsOdd:
    def score(self, x: Vector, _tenant: str) -> npt.NDArray[np.float64]:
        return np.isin(x[:, 0], sorted(ODD)).astype(np.float64)

    def explain(self, _x: Vector, _tenant: str, top: int) -> list[Any]:
        return []


class Event:
    agent = "main"


class Kit:
    def session_event(self, _document: dict[str, Any]) -> Any | None:
        return Event()

    def feature_state(self) -> Count:
        return Count()

    def anomaly(self, _artifact: bytes, _sha256: str) -> EarlyIsOdd:
        return EarlyIsOdd()

    def failure(self, _artifact: bytes, _sha256: str) -> Any:
        raise AssertionError("no failure model is promoted")


def scorer() -> Scorer:
    return Scorer(cast(Any, Registry()), cast(Any, Artifacts()), cast(Any, None), "p", Kit())


def document(version: int) -> dict[str, Any]:
    return {"session_id": "s", "tenant": "default", "stream_id": "00000000-0000-0000-0000-000000000001",
            "stream_version": version, "position": version}  # fmt: skip


def test_the_warm_up_holds_whatever_the_batches():
    documents = [document(v) for v in range(1, 2 * WARMUP + 1)]
    one_by_one = scorer()
    singly = [found.at_position for d in documents for found in one_by_one.score([d])]
    assert singly == [WARMUP + 2]
    for size in (2, WARMUP, WARMUP + 1, len(documents)):
        batched = scorer()
        found = [a.at_position for i in range(0, len(documents), size)
                 for a in batched.score(documents[i:i + size])]  # fmt: skip
        assert found == singly, size
