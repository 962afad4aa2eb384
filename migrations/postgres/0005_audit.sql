-- Signed checkpoints of the whole log: the log digest (a hash chain over every event in
-- global order) at a position, signed with Observatory's key. `observatory audit verify`
-- recomputes the digest and compares it at each checkpoint, so altering or deleting any
-- event up to a checkpoint is detected, and forging a checkpoint needs the signing key.

CREATE TABLE IF NOT EXISTS audit_checkpoints (
    position    bigint      PRIMARY KEY,
    events      bigint      NOT NULL,
    digest      text        NOT NULL,
    signature   text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL
);

-- Who did what, when: one row per command anyone issued (read model, rebuildable).
CREATE TABLE IF NOT EXISTS audit_log (
    tenant_id   text        NOT NULL,
    position    bigint      NOT NULL,
    at          timestamptz NOT NULL,
    actor       text        NOT NULL,
    action      text        NOT NULL,
    target      text        NOT NULL,
    detail      jsonb       NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, position)
);
CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log (tenant_id, actor, position DESC);
CREATE INDEX IF NOT EXISTS audit_log_action ON audit_log (tenant_id, action, position DESC);
