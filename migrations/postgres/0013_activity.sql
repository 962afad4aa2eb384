-- Activity: what the agents' own metrics report (Claude Code's claude_code.* counters over
-- OTLP metrics), per tenant, minute, session, user (account uuid), team and model: lines added
-- and removed, commits, pull requests, edit decisions, active seconds, sessions, and cost and
-- tokens as the metrics report them (the same spend the usage view has from api_request log
-- events: compare the two, never add them). '' stands for "not said" in the key columns.
CREATE TABLE IF NOT EXISTS activity_minute (
    tenant_id              text             NOT NULL,
    bucket                 timestamptz      NOT NULL,
    session_id             text             NOT NULL,
    user_id                text             NOT NULL DEFAULT '',
    team                   text             NOT NULL DEFAULT '',
    model                  text             NOT NULL DEFAULT '',
    sessions               bigint           NOT NULL DEFAULT 0,
    lines_added            bigint           NOT NULL DEFAULT 0,
    lines_removed          bigint           NOT NULL DEFAULT 0,
    commits                bigint           NOT NULL DEFAULT 0,
    pull_requests          bigint           NOT NULL DEFAULT 0,
    edits_accepted         bigint           NOT NULL DEFAULT 0,
    edits_rejected         bigint           NOT NULL DEFAULT 0,
    active_user_seconds    double precision NOT NULL DEFAULT 0,
    active_cli_seconds     double precision NOT NULL DEFAULT 0,
    cost_usd               double precision NOT NULL DEFAULT 0,
    input_tokens           bigint           NOT NULL DEFAULT 0,
    output_tokens          bigint           NOT NULL DEFAULT 0,
    cache_read_tokens      bigint           NOT NULL DEFAULT 0,
    cache_creation_tokens  bigint           NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, bucket, session_id, user_id, team, model)
);
CREATE INDEX IF NOT EXISTS activity_minute_tenant_bucket ON activity_minute (tenant_id, bucket);
