"""Prometheus metrics shared by the processes (served on ``GET /metrics``).

Declaring a metric registers it once in the default registry; nothing else happens at import.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

INGESTED_EVENTS = Counter(
    "observatory_ingested_events",
    "Hook events and telemetry records committed to the event store (rate() of this is the "
    "ingest rate).",
    ["source"],
)
INGEST_REJECTED = Counter(
    "observatory_ingest_rejected",
    "Requests refused before anything was appended, by reason.",
    ["reason"],
)
SCREENING = Counter(
    "observatory_screening",
    "Requests screened for personal data, by where (inline, worker) and outcome (complete,"
    " unscreened: a value ran out of budget and was sealed as a marker; fallback: the worker"
    " did not answer and every value was sealed).",
    ["where", "outcome"],
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


# --- NATS relay (commands/reactions/relay/worker.py) ---------------------------------------------

RELAY_POSITION = Gauge(
    "observatory_relay_position",
    "Last global position the broker acknowledged, per stream.",
    ["stream"],
    multiprocess_mode="livemax",
)
RELAY_LAG_EVENTS = Gauge(
    "observatory_relay_lag_events",
    "Positions in the store not yet acknowledged by the broker, per stream.",
    ["stream"],
    multiprocess_mode="livemin",
)
RELAY_LAG_SECONDS = Histogram(
    "observatory_relay_lag_seconds",
    "Time from an event's arrival to the broker's acknowledgement of its batch.",
    ["stream"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0),
)
RELAY_PUBLISHED = Counter(
    "observatory_relay_published",
    "Messages the broker acknowledged (duplicates included), per stream.",
    ["stream"],
)
RELAY_DUPLICATES = Counter(
    "observatory_relay_duplicates",
    "Acknowledgements flagged duplicate (a re-sent batch the dedup window caught).",
    ["stream"],
)
RELAY_FAILURES = Counter(
    "observatory_relay_failures",
    "Relay attempts that failed and will be retried, by what failed (nats, database).",
    ["stream", "reason"],
)


def serve_worker_metrics(host: str, port: int | None) -> None:
    """Serves this worker process's metrics on ``http://host:port/metrics`` (a daemon
    thread), when a port is configured."""
    if port is not None:
        from prometheus_client import start_http_server

        start_http_server(port, addr=host)


SCORING_EVENTS = Counter(
    "observatory_scoring_events_total", "Events the scoring worker folded into session features."
)
SCORING_ASSESSMENTS = Counter(
    "observatory_scoring_assessments_total", "Assessments recorded (scores over a threshold)."
)
SCORING_SECONDS = Histogram(
    "observatory_scoring_batch_seconds",
    "Time to score one pulled batch and record its assessments.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)

APPROVALS = Counter(
    "observatory_approvals",
    "Approval requests that ended, by rule and outcome (granted, denied, expired).",
    ["rule", "outcome"],
)
APPROVAL_ANSWER_SECONDS = Histogram(
    "observatory_approval_answer_seconds",
    "Time from an approval request to a person's answer.",
    ["outcome"],
    buckets=(1, 2, 5, 10, 15, 20, 30, 45, 60, 120),
)
APPROVALS_HELD = Gauge(
    "observatory_approvals_held",
    "Hooks this process holds open, waiting for an approval.",
    multiprocess_mode="livesum",
)
