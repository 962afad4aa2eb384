-- Tool calls that only a PermissionDenied (Claude Code's auto-mode classifier) or a
-- PostToolBatch hook saw are calls too.
--
-- Timeline: who denied a call (guardrail | classifier), and the completion a PostToolBatch
-- reported, kept apart from PostToolUse's so that a batch only closes calls nothing else did.
ALTER TABLE timeline_tool_calls ADD COLUMN IF NOT EXISTS decision_source text;
ALTER TABLE timeline_tool_calls ADD COLUMN IF NOT EXISTS batch_completed_at timestamptz;
ALTER TABLE timeline_tool_calls ADD COLUMN IF NOT EXISTS batch_completed_position bigint;

-- Agent metrics: what was already counted for each call (tool_use_id), so that a call seen by
-- several hooks (PreToolUse, PermissionDenied, PostToolUse, PostToolBatch) counts once as a
-- call and once as completed, failed or denied, whatever order the hooks arrive in.
-- ended: '' (not yet), 'batch' (a PostToolBatch said it ran), 'completed', 'failed', 'denied'.
-- Rows past the metrics retention are pruned with the minute rows.
CREATE TABLE IF NOT EXISTS agent_metrics_calls (
    tenant_id    text        NOT NULL,
    session_id   text        NOT NULL,
    tool_use_id  text        NOT NULL,
    ended        text        NOT NULL DEFAULT '',
    seen_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, session_id, tool_use_id)
);
CREATE INDEX IF NOT EXISTS agent_metrics_calls_seen ON agent_metrics_calls (seen_at);
