"""Scoring sessions: published events -> per-session features -> the promoted models.

``Scorer`` keeps, per session, the incremental feature state and the failure model's hidden
vector, scores a batch of events with each tenant's promoted anomaly and failure models (one
model call per tenant per batch: batch scoring is 500x cheaper than one row at a time), and
returns the assessments worth recording:

- not during a session's first ``WARMUP`` events (too little to judge);
- only when a score reaches the lowest threshold of the model version (its metadata);
- again for the same session and model kind only when the severity rises, or every
  ``RESCORE_EVERY`` events while it stays up (so a bad session is not re-recorded per event).

Events of one session must be folded in order. A worker that sees a session's event after a
gap (it restarted, or another worker of the queue group took some events) rebuilds that
session's state from the event store (its last ``HISTORY`` events) before going on.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import numpy as np

from commands.alerts.messages import RecordAssessment
from commands.ml.service import ModelRegistry
from commands.reactions.relay.public_events import publication
from commands.reactions.scoring.models import (
    CanFold,
    CanLoadModels,
    CanScoreAnomaly,
    CanStepFailure,
    Vector,
)
from commands.store.application import EventStoreApplication
from domain.alerts.thresholds import Thresholds
from domain.ml.model_version import ModelVersion
from infra.model_store import ModelStore

log = logging.getLogger(__name__)

WARMUP = 5
RESCORE_EVERY = 25
HISTORY = 200
MODEL_REFRESH_SECONDS = 30.0
MAX_SESSIONS = 50_000
KINDS = ("anomaly", "failure")


@dataclass(frozen=True)
class Loaded:
    version: ModelVersion
    thresholds: Thresholds


@dataclass(frozen=True)
class Models:
    """A tenant's promoted models (either may be missing)."""

    anomaly: tuple[Loaded, CanScoreAnomaly] | None = None
    failure: tuple[Loaded, CanStepFailure] | None = None

    def loaded(self, kind: str) -> Loaded:
        found = self.anomaly if kind == "anomaly" else self.failure
        if found is None:
            raise KeyError(kind)
        return found[0]


@dataclass
class Track:
    state: CanFold
    hidden: Vector | None = None
    version: int = 0
    """Stream version of the last event folded in."""
    events: int = 0
    recorded: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Model kind -> (severity rank, events) when last recorded."""


@dataclass
class Row:
    tenant: str
    session_id: str
    track: Track
    vector: Vector
    position: int
    agent: str
    events: int
    """The session's events folded in up to and including this one (the track's count moves
    on as later events of the same batch are folded)."""
    scores: dict[str, float] = field(default_factory=dict)


class Scorer:
    def __init__(
        self, registry: ModelRegistry, artifacts: ModelStore, store: EventStoreApplication,
        prefix: str, models: CanLoadModels, clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self._registry, self._artifacts, self._store = registry, artifacts, store
        self._prefix, self._kit, self._clock = prefix, models, clock
        self._models: dict[str, tuple[float, Models]] = {}
        self._anomaly: dict[str, CanScoreAnomaly] = {}
        self._failure: dict[str, CanStepFailure] = {}
        self._tracks: OrderedDict[tuple[str, str], Track] = OrderedDict()

    def models(self, tenant: str) -> Models:
        """The tenant's promoted models (re-read from the registry every 30 s)."""
        cached = self._models.get(tenant)
        if cached is not None and self._clock() - cached[0] < MODEL_REFRESH_SECONDS:
            return cached[1]
        anomaly, failure = (self._registry.promoted(tenant, kind) for kind in KINDS)
        found = Models(
            anomaly=None if anomaly is None else (_loaded(anomaly), self._anomaly_model(anomaly)),
            failure=None if failure is None else (_loaded(failure), self._failure_model(failure)),
        )
        self._models[tenant] = (self._clock(), found)
        return found

    def _anomaly_model(self, version: ModelVersion) -> CanScoreAnomaly:
        sha256 = version.artifact_sha256
        if sha256 not in self._anomaly:
            self._anomaly[sha256] = self._kit.anomaly(self._artifacts.get(sha256), sha256)
        return self._anomaly[sha256]

    def _failure_model(self, version: ModelVersion) -> CanStepFailure:
        sha256 = version.artifact_sha256
        if sha256 not in self._failure:
            self._failure[sha256] = self._kit.failure(self._artifacts.get(sha256), sha256)
        return self._failure[sha256]

    def score(self, documents: list[dict[str, Any]]) -> list[RecordAssessment]:
        """Folds the documents in order and returns the assessments worth recording."""
        rows: list[Row] = []
        for document in documents:
            row = self._fold(document)
            if row is not None:
                rows.append(row)
        by_tenant: dict[str, list[Row]] = {}
        for row in rows:
            by_tenant.setdefault(row.tenant, []).append(row)
        found: list[RecordAssessment] = []
        for tenant, tenant_rows in by_tenant.items():
            models = self.models(tenant)
            if models.anomaly is not None:
                scores = models.anomaly[1].score(np.stack([r.vector for r in tenant_rows]), tenant)
                for row, value in zip(tenant_rows, scores, strict=True):
                    row.scores["anomaly"] = float(value)
            if models.failure is not None:
                self._step(models.failure[1], tenant_rows)
            found += self._worth_recording(tenant, tenant_rows, models)
        return found

    def _fold(self, document: dict[str, Any]) -> Row | None:
        event = self._kit.session_event(document)
        session_id, tenant = document.get("session_id"), str(document.get("tenant", ""))
        if event is None or not session_id:
            return None
        key, version = (tenant, str(session_id)), int(document["stream_version"])
        track = self._tracks.get(key)
        if track is not None and track.version >= version:
            return None  # already folded (a redelivery)
        if track is None or track.version != version - 1:
            track = self._rebuild(key, UUID(str(document["stream_id"])), version)
        self._tracks[key] = track
        self._tracks.move_to_end(key)
        while len(self._tracks) > MAX_SESSIONS:
            self._tracks.popitem(last=False)
        vector = track.state.update_and_vector(event)
        track.version, track.events = version, track.events + 1
        return Row(
            tenant, key[1], track, vector, int(document["position"]), event.agent, track.events
        )

    def _rebuild(self, key: tuple[str, str], stream_id: UUID, version: int) -> Track:
        """The session's state from its last events in the store (before ``version``)."""
        track = Track(self._kit.feature_state(), version=version - 1)
        if version <= 1:
            return track
        events = list(self._store.events.get(stream_id, lte=version - 1, desc=True, limit=HISTORY))
        failure = self.models(key[0]).failure
        for stored in reversed(events):
            document = json.loads(publication(0, stored, self._prefix).body)
            event = self._kit.session_event(document)
            if event is None:
                continue
            vector = track.state.update_and_vector(event)
            track.events += 1
            if failure is not None:
                _, track.hidden = failure[1].step(vector, track.hidden)
        log.info("scoring: rebuilt session %s from %d stored events", key[1], len(events))
        return track

    @staticmethod
    def _step(model: CanStepFailure, rows: list[Row]) -> None:
        """One GRU step per row, batched across sessions (a session at most once per step)."""
        pending = list(rows)
        while pending:
            wave: list[Row] = []
            seen: set[int] = set()
            later: list[Row] = []
            for row in pending:
                (later if id(row.track) in seen else wave).append(row)
                seen.add(id(row.track))
            hidden = [r.track.hidden for r in wave]
            if all(h is None for h in hidden):
                probabilities, new = model.step(np.stack([r.vector for r in wave]), None)
            else:
                size = next(h.shape[-1] for h in hidden if h is not None)
                start = np.stack([h if h is not None else np.zeros(size, np.float32)
                                  for h in hidden])  # fmt: skip
                probabilities, new = model.step(np.stack([r.vector for r in wave]), start)
            for i, row in enumerate(wave):
                row.scores["failure"] = float(probabilities[i])
                row.track.hidden = new[i]
            pending = later

    @staticmethod
    def _worth_recording(tenant: str, rows: list[Row],
                         models: Models) -> list[RecordAssessment]:  # fmt: skip
        found = []
        for row in rows:
            if row.events <= WARMUP:
                continue
            for kind, score in row.scores.items():
                loaded = models.loaded(kind)
                severity = loaded.thresholds.severity_of(score)
                if severity is None:
                    continue
                last = row.track.recorded.get(kind)
                if (
                    last is not None
                    and severity.rank <= last[0]
                    and (row.events - last[1] < RESCORE_EVERY)
                ):
                    continue
                row.track.recorded[kind] = (severity.rank, row.events)
                found.append(RecordAssessment(
                    tenant_id=tenant, session_id=row.session_id,
                    model_version_id=loaded.version.id, score=score, at_position=row.position,
                    top_features=_explain(models, row, tenant),
                    agent=None if row.agent == "main" else row.agent,
                ))  # fmt: skip
        return found


def _loaded(version: ModelVersion) -> Loaded:
    return Loaded(version, Thresholds.from_metadata(version.metrics))


def _explain(models: Models, row: Row, tenant: str) -> list[dict[str, Any]]:
    """The features furthest from the tenant's normal (the anomaly model's baseline)."""
    if models.anomaly is None:
        return []
    return [{"name": c.feature, "value": c.value, "contribution": c.z}
            for c in models.anomaly[1].explain(row.vector, tenant, top=5)]  # fmt: skip
