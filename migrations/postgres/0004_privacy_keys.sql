-- Per-session data keys for sealed personal data (crypto-shredding). Each key is stored
-- wrapped: by the local master key, or by a per-session OpenBao/Vault transit key. Erasing a
-- session deletes its row (and, with Vault, its transit key): what was sealed with it can no
-- longer be read, while the event log and its hash chains stay exactly as they were.

CREATE TABLE IF NOT EXISTS privacy_keys (
    tenant_id   text        NOT NULL,
    session_id  text        NOT NULL,
    wrapped     bytea       NOT NULL,
    wrapper     text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, session_id)
);

CREATE TABLE IF NOT EXISTS privacy_erasures (
    tenant_id   text        NOT NULL,
    session_id  text        NOT NULL,
    erased_at   timestamptz NOT NULL DEFAULT now(),
    erased_by   text        NOT NULL,
    PRIMARY KEY (tenant_id, session_id)
);
