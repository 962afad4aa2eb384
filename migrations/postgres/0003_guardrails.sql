-- Guardrail decisions on the session timeline, and the guardrails read model: each tenant's
-- current policy, its history, every decision, and quarantines.

ALTER TABLE timeline_tool_calls ADD COLUMN IF NOT EXISTS decision text;
ALTER TABLE timeline_tool_calls ADD COLUMN IF NOT EXISTS decision_rule text;
ALTER TABLE timeline_tool_calls ADD COLUMN IF NOT EXISTS policy_version integer;
ALTER TABLE timeline_sessions ADD COLUMN IF NOT EXISTS denied_count integer NOT NULL DEFAULT 0;
ALTER TABLE timeline_sessions ADD COLUMN IF NOT EXISTS asked_count integer NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS guardrail_policies (
    tenant_id      text        PRIMARY KEY,
    version        integer     NOT NULL,
    updated_at     timestamptz NOT NULL,
    updated_by     text        NOT NULL,
    last_position  bigint      NOT NULL
);

CREATE TABLE IF NOT EXISTS guardrail_rules (
    tenant_id   text    NOT NULL,
    rule_id     text    NOT NULL,
    ordinal     integer NOT NULL,
    definition  jsonb   NOT NULL,
    PRIMARY KEY (tenant_id, rule_id)
);

CREATE TABLE IF NOT EXISTS guardrail_changes (
    tenant_id   text        NOT NULL,
    version     integer     NOT NULL,
    position    bigint      NOT NULL,
    change      text        NOT NULL,
    rule_id     text,
    definition  jsonb,
    changed_by  text        NOT NULL,
    changed_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, version)
);

CREATE TABLE IF NOT EXISTS guardrail_decisions (
    tenant_id       text             NOT NULL,
    position        bigint           NOT NULL,
    session_id      text             NOT NULL,
    hook            text             NOT NULL,
    tool_name       text,
    tool_use_id     text,
    agent_id        text,
    decision        text,
    rule_id         text,
    policy_version  integer          NOT NULL,
    message         text,
    latency_ms      double precision NOT NULL,
    shadow          jsonb            NOT NULL,
    intervention    text,
    decided_at      timestamptz      NOT NULL,
    PRIMARY KEY (tenant_id, position)
);
CREATE INDEX IF NOT EXISTS guardrail_decisions_session
    ON guardrail_decisions (tenant_id, session_id, position);
CREATE INDEX IF NOT EXISTS guardrail_decisions_decided
    ON guardrail_decisions (tenant_id, decision, position) WHERE decision IS NOT NULL;

CREATE TABLE IF NOT EXISTS guardrail_interventions (
    tenant_id      text        NOT NULL,
    kind           text        NOT NULL,
    target_id      text        NOT NULL,
    active         boolean     NOT NULL,
    mode           text        NOT NULL,
    reason         text        NOT NULL,
    imposed_by     text        NOT NULL,
    imposed_at     timestamptz NOT NULL,
    lifted_by      text,
    lifted_at      timestamptz,
    last_position  bigint      NOT NULL,
    PRIMARY KEY (tenant_id, kind, target_id)
);
