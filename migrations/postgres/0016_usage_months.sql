-- Usage is rolled up by month too, in the same three grains as 0015's hours and days, keyed by
-- the month's first day (UTC): "the costliest users this month" reads a row per user and model,
-- not a day row per day (docs/benchmarks.md, "Cost queries over 10 M usage records").
--
-- Same two layouts as 0015, as usage_layout says: continuous aggregates over usage_minute with
-- TimescaleDB, tables the projector upserts with the hours and days on plain PostgreSQL.

DO $migration$
DECLARE
    layout text := (SELECT u.layout FROM usage_layout u);
    -- Three grains, narrowest first (projections/usage/tables.py GRAINS): name suffix, keys.
    grains text[] := ARRAY[['_by_team', 'team, model'], ['_by_user', 'team, user_id, model'],
                           ['', 'user_id, team, project, agent, model']];
    grain text[];
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
    FOREACH grain SLICE 1 IN ARRAY grains LOOP
        name := format('usage_month%s', grain[1]);
        IF to_regclass(name) IS NOT NULL THEN
            CONTINUE;  -- already there
        END IF;
        IF layout = 'timescaledb' THEN
            -- time_bucket's months start on the first, at midnight UTC.
            bucket := 'time_bucket(interval ''1 month'', bucket)';
            EXECUTE format('CREATE MATERIALIZED VIEW %I WITH (timescaledb.continuous,'
                           ' timescaledb.materialized_only = false) AS SELECT tenant_id,'
                           ' %s AS bucket, %s, %s FROM usage_minute GROUP BY tenant_id, %s, %s'
                           ' WITH NO DATA', name, bucket, grain[2], sums, bucket, grain[2]);
            PERFORM add_continuous_aggregate_policy(name, start_offset => NULL,
                end_offset => interval '1 minute', schedule_interval => interval '1 minute');
        ELSE
            EXECUTE format('CREATE TABLE %I (tenant_id text NOT NULL,'
                           ' bucket timestamptz NOT NULL, %s, %s,'
                           ' PRIMARY KEY (tenant_id, bucket, %s))', name,
                           regexp_replace(grain[2], '(\w+)', '\1 text NOT NULL', 'g'),
                           counts, grain[2]);
            -- Backfill from the day rows the projector wrote so far (none on a new install).
            bucket := 'date_trunc(''month'', bucket, ''UTC'')';
            EXECUTE format('INSERT INTO %I SELECT tenant_id, %s, %s, %s FROM %I'
                           ' GROUP BY tenant_id, %s, %s', name, bucket, grain[2], sums,
                           format('usage_day%s', grain[1]), bucket, grain[2]);
        END IF;
    END LOOP;
END
$migration$;
