-- wrk script: one PreToolUse hook per request, spread over BENCH_SESSIONS sessions (500 unless set).
-- BENCH_RUN names the invocation, so tool_use_ids (and idempotency keys) never repeat between the
-- wrk runs of one benchmark; BENCH_FORMAT=bun wraps the same hook in the envelope that
-- send_event.py posts to the Bun + SQLite server (POST /events), for a like-for-like comparison.
local counter = 0
local thread_id = 0
local keys = os.getenv("BENCH_KEYS") ~= nil
local auth = os.getenv("BENCH_AUTH")
local sessions = tonumber(os.getenv("BENCH_SESSIONS") or "500")
local run = os.getenv("BENCH_RUN") or tostring(os.time())
local bun = os.getenv("BENCH_FORMAT") == "bun"

setup = function(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

request = function()
  counter = counter + 1
  local session = string.format("bench-%d-%d", id, counter % sessions)
  local tool_use_id = string.format("toolu_%s_%d_%d", run, id, counter)
  local body = string.format(
    '{"session_id":"%s","transcript_path":"/home/dev/.claude/projects/x/%s.jsonl",' ..
    '"cwd":"/home/dev/src/app","permission_mode":"default","hook_event_name":"PreToolUse",' ..
    '"tool_name":"Bash","tool_input":{"command":"npm test -- --run %d","description":"Run tests"},' ..
    '"tool_use_id":"%s"}', session, session, counter, tool_use_id)
  local headers = {["Content-Type"] = "application/json"}
  local path = "/v1/hooks/claude-code"
  if bun then
    path = "/events"
    body = string.format(
      '{"source_app":"bench","session_id":"%s","hook_event_type":"PreToolUse","payload":%s,' ..
      '"timestamp":%d,"tool_name":"Bash","tool_use_id":"%s"}',
      session, body, os.time() * 1000, tool_use_id)
  end
  if auth ~= nil then
    headers["Authorization"] = "Bearer " .. auth
  end
  if keys then
    headers["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, id, counter)
  end
  return wrk.format("POST", path, headers, body)
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors_status=%d errors_connect=%d errors_timeout=%d " ..
    "duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
