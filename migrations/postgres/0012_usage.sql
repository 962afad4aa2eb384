-- Usage: tokens by type and cost of every model call the agents' own telemetry reported
-- (Claude Code's claude_code.api_request / api_error log events), per tenant, minute, session,
-- user (account uuid), team and model. A day rollup is a query (date_trunc over minutes).
-- '' stands for "not said" in the key columns (a primary key cannot hold NULL).
CREATE TABLE IF NOT EXISTS usage_minute (
    tenant_id              text             NOT NULL,
    bucket                 timestamptz      NOT NULL,
    session_id             text             NOT NULL,
    user_id                text             NOT NULL DEFAULT '',
    team                   text             NOT NULL DEFAULT '',
    model                  text             NOT NULL DEFAULT '',
    calls                  integer          NOT NULL DEFAULT 0,
    errors                 integer          NOT NULL DEFAULT 0,
    input_tokens           bigint           NOT NULL DEFAULT 0,
    output_tokens          bigint           NOT NULL DEFAULT 0,
    cache_read_tokens      bigint           NOT NULL DEFAULT 0,
    cache_creation_tokens  bigint           NOT NULL DEFAULT 0,
    cost_usd               double precision NOT NULL DEFAULT 0,
    duration_sum_ms        double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, bucket, session_id, user_id, team, model)
);
CREATE INDEX IF NOT EXISTS usage_minute_tenant_bucket ON usage_minute (tenant_id, bucket);
