-- Usage gains the project and agent dimensions, remembers each session's project, and is
-- rolled up by hour and by day (without the session) so a month's cost by team, user or
-- model reads a few thousand rows, not millions (docs/read-models.md, "Usage").
--
-- Two layouts, one logical shape (as agent_metrics):
--  * TimescaleDB (when the extension is available): usage_minute becomes a hypertable and
--    usage_hour / usage_day continuous aggregates over it (real time: recent minutes included);
--  * plain PostgreSQL (this machine): usage_hour and usage_day are tables the projector
--    upserts in the same transaction as the minute rows and its position.
-- usage_layout records which one this schema has; the projector reads it.
-- Cost is billing data: no retention policy drops it.

ALTER TABLE usage_minute
    ADD COLUMN IF NOT EXISTS project text NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS agent   text NOT NULL DEFAULT '';
ALTER TABLE usage_minute DROP CONSTRAINT IF EXISTS usage_minute_pkey;
ALTER TABLE usage_minute
    ADD PRIMARY KEY (tenant_id, bucket, session_id, user_id, team, project, agent, model);
CREATE INDEX IF NOT EXISTS usage_minute_session ON usage_minute (tenant_id, session_id, bucket);

-- The first project a hook of the session named (its cwd), given to its later model calls.
CREATE TABLE IF NOT EXISTS usage_sessions (
    tenant_id   text NOT NULL,
    session_id  text NOT NULL,
    project     text NOT NULL,
    PRIMARY KEY (tenant_id, session_id)
);

CREATE TABLE IF NOT EXISTS usage_layout (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    layout      text NOT NULL CHECK (layout IN ('timescaledb', 'plain'))
);

DO $migration$
DECLARE
    timescale boolean := EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb');
    rollup text := $sql$
        SELECT tenant_id, %1$s AS bucket, user_id, team,
               project, agent, model, sum(calls)::int AS calls, sum(errors)::int AS errors,
               sum(input_tokens)::bigint AS input_tokens,
               sum(output_tokens)::bigint AS output_tokens,
               sum(cache_read_tokens)::bigint AS cache_read_tokens,
               sum(cache_creation_tokens)::bigint AS cache_creation_tokens,
               sum(cost_usd) AS cost_usd, sum(duration_sum_ms) AS duration_sum_ms
        FROM usage_minute
        GROUP BY tenant_id, %1$s, user_id, team, project,
                 agent, model
    $sql$;
    columns text := $cols$
        tenant_id              text             NOT NULL,
        bucket                 timestamptz      NOT NULL,
        user_id                text             NOT NULL,
        team                   text             NOT NULL,
        project                text             NOT NULL,
        agent                  text             NOT NULL,
        model                  text             NOT NULL,
        calls                  integer          NOT NULL DEFAULT 0,
        errors                 integer          NOT NULL DEFAULT 0,
        input_tokens           bigint           NOT NULL DEFAULT 0,
        output_tokens          bigint           NOT NULL DEFAULT 0,
        cache_read_tokens      bigint           NOT NULL DEFAULT 0,
        cache_creation_tokens  bigint           NOT NULL DEFAULT 0,
        cost_usd               double precision NOT NULL DEFAULT 0,
        duration_sum_ms        double precision NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, bucket, user_id, team, project, agent, model)
    $cols$;
    unit text;
BEGIN
    IF EXISTS (SELECT 1 FROM usage_layout) THEN
        RETURN;  -- already laid out
    END IF;
    IF timescale THEN
        CREATE EXTENSION IF NOT EXISTS timescaledb;
        PERFORM create_hypertable('usage_minute', 'bucket', chunk_time_interval => interval '1 day',
                                  migrate_data => true);
        FOREACH unit IN ARRAY ARRAY['hour', 'day'] LOOP
            EXECUTE format('CREATE MATERIALIZED VIEW usage_%s WITH (timescaledb.continuous,'
                           ' timescaledb.materialized_only = false) AS %s WITH NO DATA',
                           unit, format(rollup, format('time_bucket(interval ''1 %s'', bucket)', unit)));
            PERFORM add_continuous_aggregate_policy(format('usage_%s', unit),
                start_offset => NULL, end_offset => interval '1 minute',
                schedule_interval => interval '1 minute');
        END LOOP;
        INSERT INTO usage_layout (layout) VALUES ('timescaledb');
    ELSE
        EXECUTE format('CREATE TABLE usage_hour (%s)', columns);
        EXECUTE format('CREATE TABLE usage_day (%s)', columns);
        -- Backfill from the minutes an earlier version wrote (empty on a new install).
        FOREACH unit IN ARRAY ARRAY['hour', 'day'] LOOP
            EXECUTE format('INSERT INTO usage_%s %s', unit,
                           format(rollup, format('date_trunc(%L, bucket, ''UTC'')', unit)));
        END LOOP;
        INSERT INTO usage_layout (layout) VALUES ('plain');
    END IF;
END
$migration$;
