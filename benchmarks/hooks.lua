-- wrk script: one PreToolUse hook per request, sessions spread over 500 ids.
local counter = 0
local thread_id = 0
local keys = os.getenv("BENCH_KEYS") ~= nil
local auth = os.getenv("BENCH_AUTH")
local run = tostring(os.time())

setup = function(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

request = function()
  counter = counter + 1
  local session = string.format("bench-%d-%d", id, counter % 500)
  local body = string.format(
    '{"session_id":"%s","transcript_path":"/home/dev/.claude/projects/x/%s.jsonl",' ..
    '"cwd":"/home/dev/src/app","permission_mode":"default","hook_event_name":"PreToolUse",' ..
    '"tool_name":"Bash","tool_input":{"command":"npm test -- --run %d","description":"Run tests"},' ..
    '"tool_use_id":"toolu_%d_%d"}', session, session, counter, id, counter)
  local headers = {["Content-Type"] = "application/json"}
  if auth ~= nil then
    headers["Authorization"] = "Bearer " .. auth
  end
  if keys then
    headers["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, id, counter)
  end
  return wrk.format("POST", "/v1/hooks/claude-code", headers, body)
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors_status=%d errors_connect=%d errors_timeout=%d " ..
    "duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
