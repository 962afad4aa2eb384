-- Usage gains the project and agent dimensions, remembers each session's project, and is
-- rolled up by hour and by day (without the session), each in three grains — by team and model,
-- by team, user and model, and by every dimension — so a month's cost by team or user reads
-- thousands of rows, not millions (docs/read-models.md, "Usage").
--
-- Two layouts, one logical shape (as agent_metrics):
--  * TimescaleDB (when the extension is available): usage_minute becomes a hypertable and the
--    rollups continuous aggregates over it (real time: recent minutes included);
--  * plain PostgreSQL (this machine): the rollups are tables the projector upserts in the
--    same transaction as the minute rows and its position.
-- usage_layout records which one this schema has; the projector reads it.
-- Cost is billing data: no retention policy drops it.

ALTER TABLE usage_minute
    ADD COLUMN IF NOT EXISTS project text NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS agent   text NOT NULL DEFAULT '';
ALTER TABLE usage_minute DROP CONSTRAINT IF EXISTS usage_minute_pkey;
ALTER TABLE usage_minute
    ADD PRIMARY KEY (tenant_id, bucket, session_id, user_id, team, project, agent, model);
CREATE INDEX IF NOT EXISTS usage_minute_session ON usage_minute (tenant_id, session_id, bucket);

-- The first project a hook of the session named (its cwd), and that hook's log position: the
-- session's model calls after that position are counted under it.
CREATE TABLE IF NOT EXISTS usage_sessions (
    tenant_id   text NOT NULL,
    session_id  text NOT NULL,
    project     text NOT NULL,
    position    bigint NOT NULL,
    PRIMARY KEY (tenant_id, session_id)
);

CREATE TABLE IF NOT EXISTS usage_layout (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    layout      text NOT NULL CHECK (layout IN ('timescaledb', 'plain'))
);

DO $migration$
DECLARE
    timescale boolean := EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb');
    -- Three grains, narrowest first (projections/usage/tables.py GRAINS): name suffix, keys.
    grains text[] := ARRAY[['_by_team', 'team, model'], ['_by_user', 'team, user_id, model'],
                           ['', 'user_id, team, project, agent, model']];
    grain text[];
    unit text;
    name text;
    sums text := 'sum(calls)::int AS calls, sum(errors)::int AS errors,'
        ' sum(input_tokens)::bigint AS input_tokens, sum(output_tokens)::bigint AS output_tokens,'
        ' sum(cache_read_tokens)::bigint AS cache_read_tokens,'
        ' sum(cache_creation_tokens)::bigint AS cache_creation_tokens,'
        ' sum(cost_usd) AS cost_usd, sum(duration_sum_ms) AS duration_sum_ms';
    counts text := 'calls integer NOT NULL DEFAULT 0, errors integer NOT NULL DEFAULT 0,'
        ' input_tokens bigint NOT NULL DEFAULT 0, output_tokens bigint NOT NULL DEFAULT 0,'
        ' cache_read_tokens bigint NOT NULL DEFAULT 0,'
        ' cache_creation_tokens bigint NOT NULL DEFAULT 0,'
        ' cost_usd double precision NOT NULL DEFAULT 0,'
        ' duration_sum_ms double precision NOT NULL DEFAULT 0';
    bucket text;
BEGIN
    IF EXISTS (SELECT 1 FROM usage_layout) THEN
        RETURN;  -- already laid out
    END IF;
    IF timescale THEN
        CREATE EXTENSION IF NOT EXISTS timescaledb;
        PERFORM create_hypertable('usage_minute', 'bucket', chunk_time_interval => interval '1 day',
                                  migrate_data => true);
    END IF;
    FOREACH unit IN ARRAY ARRAY['hour', 'day'] LOOP
        FOREACH grain SLICE 1 IN ARRAY grains LOOP
            name := format('usage_%s%s', unit, grain[1]);
            IF timescale THEN
                bucket := format('time_bucket(interval %L, bucket)', '1 ' || unit);
                EXECUTE format('CREATE MATERIALIZED VIEW %I WITH (timescaledb.continuous,'
                               ' timescaledb.materialized_only = false) AS SELECT tenant_id,'
                               ' %s AS bucket, %s, %s FROM usage_minute GROUP BY tenant_id, %s, %s'
                               ' WITH NO DATA', name, bucket, grain[2], sums, bucket, grain[2]);
                PERFORM add_continuous_aggregate_policy(name, start_offset => NULL,
                    end_offset => interval '1 minute', schedule_interval => interval '1 minute');
            ELSE
                bucket := format('date_trunc(%L, bucket, ''UTC'')', unit);
                EXECUTE format('CREATE TABLE %I (tenant_id text NOT NULL,'
                               ' bucket timestamptz NOT NULL, %s, %s,'
                               ' PRIMARY KEY (tenant_id, bucket, %s))', name,
                               regexp_replace(grain[2], '(\w+)', '\1 text NOT NULL', 'g'),
                               counts, grain[2]);
                -- Backfill from the minutes an earlier version wrote (none on a new install).
                EXECUTE format('INSERT INTO %I SELECT tenant_id, %s, %s, %s FROM usage_minute'
                               ' GROUP BY tenant_id, %s, %s', name, bucket, grain[2], sums,
                               bucket, grain[2]);
            END IF;
        END LOOP;
    END LOOP;
    INSERT INTO usage_layout (layout) VALUES (CASE WHEN timescale THEN 'timescaledb' ELSE 'plain' END);
END
$migration$;
