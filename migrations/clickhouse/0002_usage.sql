-- Usage in ClickHouse (projections/usage/clickhouse.py): one row per model call, and rollups by
-- hour and by day in three grains: every dimension (session included), team + user + model,
-- team + model (a question reads the narrowest that holds its dimensions).
-- usage_calls: ReplacingMergeTree keyed by the event id, so a call written twice (a crash
-- between the rows and the position) counts once under FINAL.
-- Rollups: each touched (tenant, hour or day) is recomputed from the finer table's FINAL rows
-- after every batch (calls -> hour -> hour_by_user -> hour_by_team; hours -> days), with the
-- batch's end position as revision; the highest revision wins, so a replayed batch writes the
-- same sums again, never adds them twice. (A materialized view summing the inserts would count
-- a replayed batch twice.)
-- usage_sessions: the first project a hook of the session named, and that hook's position (a
-- call takes it only if it comes later in the log, so a replay sees what the first pass saw).
CREATE TABLE IF NOT EXISTS {db}.usage_calls
(
    tenant_id LowCardinality(String),
    event_id UUID,
    position UInt64,
    at DateTime64(6, 'UTC'),
    session_id String,
    user_id String,
    team LowCardinality(String),
    project LowCardinality(String),
    agent LowCardinality(String),
    model LowCardinality(String),
    calls UInt32,
    errors UInt32,
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_tokens UInt64,
    cache_creation_tokens UInt64,
    cost_usd Float64,
    duration_sum_ms Float64
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (tenant_id, at, event_id);

CREATE TABLE IF NOT EXISTS {db}.usage_hour
(
    tenant_id LowCardinality(String),
    bucket DateTime('UTC'),
    team LowCardinality(String),
    user_id String,
    project LowCardinality(String),
    agent LowCardinality(String),
    model LowCardinality(String),
    session_id String,
    calls UInt64,
    errors UInt64,
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_tokens UInt64,
    cache_creation_tokens UInt64,
    cost_usd Float64,
    duration_sum_ms Float64,
    revision UInt64
)
ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, bucket, team, user_id, project, agent, model, session_id);

CREATE TABLE IF NOT EXISTS {db}.usage_hour_by_user
(
    tenant_id LowCardinality(String),
    bucket DateTime('UTC'),
    team LowCardinality(String),
    user_id String,
    model LowCardinality(String),
    calls UInt64,
    errors UInt64,
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_tokens UInt64,
    cache_creation_tokens UInt64,
    cost_usd Float64,
    duration_sum_ms Float64,
    revision UInt64
)
ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, bucket, team, user_id, model);

CREATE TABLE IF NOT EXISTS {db}.usage_hour_by_team
(
    tenant_id LowCardinality(String),
    bucket DateTime('UTC'),
    team LowCardinality(String),
    model LowCardinality(String),
    calls UInt64,
    errors UInt64,
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_tokens UInt64,
    cache_creation_tokens UInt64,
    cost_usd Float64,
    duration_sum_ms Float64,
    revision UInt64
)
ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, bucket, team, model);

CREATE TABLE IF NOT EXISTS {db}.usage_day
(
    tenant_id LowCardinality(String),
    bucket DateTime('UTC'),
    team LowCardinality(String),
    user_id String,
    project LowCardinality(String),
    agent LowCardinality(String),
    model LowCardinality(String),
    session_id String,
    calls UInt64,
    errors UInt64,
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_tokens UInt64,
    cache_creation_tokens UInt64,
    cost_usd Float64,
    duration_sum_ms Float64,
    revision UInt64
)
ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, bucket, team, user_id, project, agent, model, session_id);

CREATE TABLE IF NOT EXISTS {db}.usage_day_by_user
(
    tenant_id LowCardinality(String),
    bucket DateTime('UTC'),
    team LowCardinality(String),
    user_id String,
    model LowCardinality(String),
    calls UInt64,
    errors UInt64,
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_tokens UInt64,
    cache_creation_tokens UInt64,
    cost_usd Float64,
    duration_sum_ms Float64,
    revision UInt64
)
ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, bucket, team, user_id, model);

CREATE TABLE IF NOT EXISTS {db}.usage_day_by_team
(
    tenant_id LowCardinality(String),
    bucket DateTime('UTC'),
    team LowCardinality(String),
    model LowCardinality(String),
    calls UInt64,
    errors UInt64,
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_tokens UInt64,
    cache_creation_tokens UInt64,
    cost_usd Float64,
    duration_sum_ms Float64,
    revision UInt64
)
ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, bucket, team, model);

CREATE TABLE IF NOT EXISTS {db}.usage_sessions
(
    tenant_id LowCardinality(String),
    session_id String,
    project String,
    position UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, session_id);
