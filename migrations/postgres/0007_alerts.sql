-- Alerts raised by model assessments (with who acknowledged and resolved them), and the
-- model registry: every version, its metrics and where it stands (trained/promoted/retired).

CREATE TABLE IF NOT EXISTS alerts (
    tenant_id          text             NOT NULL,
    alert_id           uuid             NOT NULL,
    position           bigint           NOT NULL,
    session_id         text             NOT NULL,
    agent              text,
    severity           text             NOT NULL,
    status             text             NOT NULL,
    reason             text             NOT NULL,
    score              double precision NOT NULL,
    model_kind         text             NOT NULL,
    model_version_id   uuid             NOT NULL,
    assessment_id      uuid             NOT NULL,
    assessment_version integer          NOT NULL,
    raised_by          text             NOT NULL,
    raised_at          timestamptz      NOT NULL,
    acknowledged_by    text,
    acknowledged_at    timestamptz,
    acknowledged_note  text,
    resolved_by        text,
    resolved_at        timestamptz,
    resolved_note      text,
    escalation         text,
    escalated_at       timestamptz,
    last_position      bigint           NOT NULL,
    PRIMARY KEY (tenant_id, alert_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_newest ON alerts (tenant_id, position DESC);
CREATE INDEX IF NOT EXISTS alerts_session ON alerts (tenant_id, session_id, position DESC);
CREATE INDEX IF NOT EXISTS alerts_status ON alerts (tenant_id, status, position DESC);

CREATE TABLE IF NOT EXISTS model_versions (
    tenant_id               text        NOT NULL,
    version_id              uuid        NOT NULL,
    position                bigint      NOT NULL,
    kind                    text        NOT NULL,
    label                   text        NOT NULL,
    status                  text        NOT NULL,
    metrics                 jsonb       NOT NULL,
    artifact_sha256         text        NOT NULL,
    feature_schema_version  text        NOT NULL,
    trained_by              text        NOT NULL,
    trained_at              timestamptz NOT NULL,
    promoted_by             text,
    promoted_at             timestamptz,
    retired_by              text,
    retired_at              timestamptz,
    retired_reason          text,
    last_position           bigint      NOT NULL,
    PRIMARY KEY (tenant_id, version_id)
);
CREATE INDEX IF NOT EXISTS model_versions_kind ON model_versions (tenant_id, kind, position DESC);
