"""Prometheus metrics shared by the processes (served on ``GET /metrics``).

Declaring a metric registers it once in the default registry; nothing else happens at import.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

INGESTED_EVENTS = Counter(
    "observatory_ingested_events",
    "Hook events committed to the event store (rate() of this is the ingest rate).",
    ["source"],
)
INGEST_REJECTED = Counter(
    "observatory_ingest_rejected",
    "Requests refused before anything was appended, by reason.",
    ["reason"],
)
INGEST_REPLAYED = Counter(
    "observatory_ingest_replayed",
    "Requests answered from an earlier request with the same Idempotency-Key.",
)
BATCH_SIZE = Histogram(
    "observatory_ingest_batch_size",
    "Requests committed per transaction by the group-commit writer.",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
COMMIT_SECONDS = Histogram(
    "observatory_ingest_commit_seconds",
    "Time to commit one batch (mapping, insert, commit).",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0),
)
INGEST_QUEUE = Gauge(
    "observatory_ingest_queue_depth",
    "Requests waiting for the group-commit writer.",
    multiprocess_mode="livesum",
)
PROJECTION_POSITION = Gauge(
    "observatory_projection_position",
    "Last global position applied, per projection.",
    ["name"],
    multiprocess_mode="livemax",
)
PROJECTION_LAG_EVENTS = Gauge(
    "observatory_projection_lag_events",
    "Events in the store not yet applied, per projection.",
    ["name"],
    multiprocess_mode="livemin",
)
PROJECTION_LAG_SECONDS = Histogram(
    "observatory_projection_lag_seconds",
    "Time from an event's arrival to its projection's commit.",
    ["name"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def observe_batch(size: int, seconds: float) -> None:
    BATCH_SIZE.observe(size)
    COMMIT_SECONDS.observe(seconds)
