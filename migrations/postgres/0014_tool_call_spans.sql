-- Timeline: a tool call's trace span (OTLP /v1/traces), joined to its hooks by tool_use_id in
-- whichever order they arrive: the span's own ids, duration and OTLP status (OK | ERROR |
-- UNSET), kept beside what the hooks said (duration_ms, status) rather than over it.
ALTER TABLE timeline_tool_calls ADD COLUMN IF NOT EXISTS trace_id text;
ALTER TABLE timeline_tool_calls ADD COLUMN IF NOT EXISTS span_id text;
ALTER TABLE timeline_tool_calls ADD COLUMN IF NOT EXISTS span_duration_ms double precision;
ALTER TABLE timeline_tool_calls ADD COLUMN IF NOT EXISTS span_status text;
