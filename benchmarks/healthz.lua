-- wrk script: the cheapest Litestar endpoint of the same processes (the web stack's ceiling).
wrk.method = "GET"
wrk.path = "/healthz"

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors_status=%d errors_connect=%d errors_timeout=%d " ..
    "duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
