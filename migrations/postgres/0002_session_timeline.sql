-- The session_timeline read model: sessions, their events, paired tool calls, subagents.
-- Every row carries its tenant. Written by the projector together with its position.

CREATE TABLE IF NOT EXISTS projection_positions (
    name        text        PRIMARY KEY,
    position    bigint      NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS timeline_sessions (
    tenant_id          text        NOT NULL,
    session_id         text        NOT NULL,
    stream_id          uuid        NOT NULL,
    status             text        NOT NULL,
    cwd                text,
    project            text,
    model              text,
    transcript_path    text,
    permission_mode    text,
    source_app         text,
    started_at         timestamptz,
    ended_at           timestamptz,
    end_reason         text,
    first_seen_at      timestamptz NOT NULL,
    last_event_at      timestamptz NOT NULL,
    first_position     bigint      NOT NULL,
    last_position      bigint      NOT NULL,
    event_count        integer     NOT NULL DEFAULT 0,
    prompt_count       integer     NOT NULL DEFAULT 0,
    tool_call_count    integer     NOT NULL DEFAULT 0,
    failed_tool_calls  integer     NOT NULL DEFAULT 0,
    subagent_count     integer     NOT NULL DEFAULT 0,
    compaction_count   integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, session_id)
);
CREATE INDEX IF NOT EXISTS timeline_sessions_recent
    ON timeline_sessions (tenant_id, first_position DESC);

CREATE TABLE IF NOT EXISTS timeline_events (
    tenant_id    text        NOT NULL,
    session_id   text        NOT NULL,
    position     bigint      NOT NULL,
    version      integer     NOT NULL,
    event_type   text        NOT NULL,
    hook         text        NOT NULL,
    received_at  timestamptz NOT NULL,
    agent_id     text,
    attribution  text,
    tool_name    text,
    tool_use_id  text,
    payload      jsonb       NOT NULL,
    PRIMARY KEY (tenant_id, session_id, position)
);

CREATE TABLE IF NOT EXISTS timeline_tool_calls (
    tenant_id           text             NOT NULL,
    session_id          text             NOT NULL,
    tool_use_id         text             NOT NULL,
    tool_name           text,
    mcp_server          text,
    mcp_tool            text,
    agent_id            text,
    attribution         text,
    status              text             NOT NULL,
    requested_at        timestamptz,
    completed_at        timestamptz,
    duration_ms         double precision,
    requested_position  bigint,
    completed_position  bigint,
    error               text,
    spawned_agent_id    text,
    PRIMARY KEY (tenant_id, session_id, tool_use_id)
);

CREATE TABLE IF NOT EXISTS timeline_subagents (
    tenant_id        text        NOT NULL,
    session_id       text        NOT NULL,
    agent_id         text        NOT NULL,
    agent_type       text,
    attribution      text        NOT NULL,
    started_at       timestamptz,
    stopped_at       timestamptz,
    first_position   bigint      NOT NULL,
    tool_call_count  integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, session_id, agent_id)
);
