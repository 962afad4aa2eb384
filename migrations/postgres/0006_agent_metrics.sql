-- Agent metrics: per-minute tool-call counts and duration histograms (read model, rebuildable).
--
-- Two physical layouts, one logical shape, so the same queries answer on both:
--  * TimescaleDB (when the extension is available): agent_metrics_minute is a hypertable with
--    compression and retention policies, and agent_metrics_hour a continuous aggregate.
--  * Plain PostgreSQL (this machine; the extension is not installable here): agent_metrics_minute
--    is range-partitioned by day (the projector creates partitions and drops expired ones) and
--    agent_metrics_hour a rollup table the projector keeps in the same transaction.
-- agent_metrics_layout records which one this schema has; the projector reads it.

-- Sums two duration histograms (int[] of equal length) element by element.
CREATE OR REPLACE FUNCTION hist_add(a int[], b int[]) RETURNS int[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN a IS NULL THEN b
        WHEN b IS NULL THEN a
        ELSE ARRAY(SELECT coalesce(x, 0) + coalesce(y, 0)
                   FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i) ORDER BY i)
    END
$$;

CREATE OR REPLACE AGGREGATE hist_sum(int[]) (SFUNC = hist_add, STYPE = int[], PARALLEL = SAFE);

-- What the projector knows of each session: its project and model.
CREATE TABLE IF NOT EXISTS agent_metrics_sessions (
    tenant_id   text NOT NULL,
    session_id  text NOT NULL,
    project     text NOT NULL DEFAULT '',
    model       text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, session_id)
);

CREATE TABLE IF NOT EXISTS agent_metrics_layout (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    layout      text NOT NULL CHECK (layout IN ('timescaledb', 'partitions'))
);

DO $migration$
DECLARE
    timescale boolean := EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb');
    columns text := $cols$
        tenant_id        text        NOT NULL,
        bucket           timestamptz NOT NULL,
        project          text        NOT NULL,
        session_id       text        NOT NULL,
        agent            text        NOT NULL,
        model            text        NOT NULL,
        tool             text        NOT NULL,
        calls            integer     NOT NULL DEFAULT 0,
        completed        integer     NOT NULL DEFAULT 0,
        failures         integer     NOT NULL DEFAULT 0,
        denials          integer     NOT NULL DEFAULT 0,
        asks             integer     NOT NULL DEFAULT 0,
        subagents        integer     NOT NULL DEFAULT 0,
        duration_sum_ms  double precision NOT NULL DEFAULT 0,
        durations        integer[]   NOT NULL,
        PRIMARY KEY (tenant_id, bucket, session_id, agent, tool)
    $cols$;
BEGIN
    IF EXISTS (SELECT 1 FROM agent_metrics_layout) THEN
        RETURN;  -- already laid out
    END IF;
    IF timescale THEN
        CREATE EXTENSION IF NOT EXISTS timescaledb;
        EXECUTE format('CREATE TABLE agent_metrics_minute (%s)', columns);
        PERFORM create_hypertable('agent_metrics_minute', 'bucket',
                                  chunk_time_interval => interval '1 day');
        ALTER TABLE agent_metrics_minute SET (timescaledb.compress,
            timescaledb.compress_segmentby = 'tenant_id', timescaledb.compress_orderby = 'bucket');
        PERFORM add_compression_policy('agent_metrics_minute', interval '7 days');
        PERFORM add_retention_policy('agent_metrics_minute', interval '30 days');
        EXECUTE $view$
            CREATE MATERIALIZED VIEW agent_metrics_hour WITH (timescaledb.continuous) AS
            SELECT tenant_id, time_bucket(interval '1 hour', bucket) AS bucket, project, agent,
                   model, tool, sum(calls)::int AS calls, sum(completed)::int AS completed,
                   sum(failures)::int AS failures, sum(denials)::int AS denials,
                   sum(asks)::int AS asks, sum(subagents)::int AS subagents,
                   sum(duration_sum_ms) AS duration_sum_ms, hist_sum(durations) AS durations
            FROM agent_metrics_minute
            GROUP BY tenant_id, time_bucket(interval '1 hour', bucket), project, agent, model, tool
            WITH NO DATA
        $view$;
        PERFORM add_continuous_aggregate_policy('agent_metrics_hour',
            start_offset => interval '3 days', end_offset => interval '1 minute',
            schedule_interval => interval '1 minute');
        INSERT INTO agent_metrics_layout (layout) VALUES ('timescaledb');
    ELSE
        EXECUTE format('CREATE TABLE agent_metrics_minute (%s) PARTITION BY RANGE (bucket)',
                       columns);
        CREATE TABLE agent_metrics_hour (
            tenant_id        text        NOT NULL,
            bucket           timestamptz NOT NULL,
            project          text        NOT NULL,
            agent            text        NOT NULL,
            model            text        NOT NULL,
            tool             text        NOT NULL,
            calls            integer     NOT NULL DEFAULT 0,
            completed        integer     NOT NULL DEFAULT 0,
            failures         integer     NOT NULL DEFAULT 0,
            denials          integer     NOT NULL DEFAULT 0,
            asks             integer     NOT NULL DEFAULT 0,
            subagents        integer     NOT NULL DEFAULT 0,
            duration_sum_ms  double precision NOT NULL DEFAULT 0,
            durations        integer[]   NOT NULL,
            PRIMARY KEY (tenant_id, bucket, project, agent, model, tool)
        );
        INSERT INTO agent_metrics_layout (layout) VALUES ('partitions');
    END IF;
END
$migration$;

CREATE INDEX IF NOT EXISTS agent_metrics_minute_session
    ON agent_metrics_minute (tenant_id, session_id, bucket);
