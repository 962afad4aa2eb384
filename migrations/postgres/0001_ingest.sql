-- Ingest bookkeeping next to the event store (the event tables themselves are created by
-- eventsourcing's recorder). Idempotency records are written in the same transaction as the
-- events of their request; quarantined bodies never reach a session.

CREATE TABLE IF NOT EXISTS ingest_idempotency (
    tenant_id      text        NOT NULL,
    key            text        NOT NULL,
    request_sha256 text        NOT NULL,
    status         integer     NOT NULL,
    reply          bytea       NOT NULL,
    position       bigint      NOT NULL,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, key)
);
CREATE INDEX IF NOT EXISTS ingest_idempotency_created_at ON ingest_idempotency (created_at);

CREATE TABLE IF NOT EXISTS ingest_quarantine (
    id            bigserial   PRIMARY KEY,
    tenant_id     text        NOT NULL,
    received_at   timestamptz NOT NULL,
    endpoint      text        NOT NULL,
    reason        text        NOT NULL,
    detail        text        NOT NULL,
    content_type  text,
    size_bytes    bigint      NOT NULL,
    body_sha256   text        NOT NULL,
    body          bytea       NOT NULL,
    truncated     boolean     NOT NULL DEFAULT false,
    client        text
);
CREATE INDEX IF NOT EXISTS ingest_quarantine_received_at
    ON ingest_quarantine (tenant_id, received_at DESC);
