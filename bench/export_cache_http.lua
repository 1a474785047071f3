-- wrk script of bench/export_cache_http.sh: the same export request on every call (the script made it once before,
-- so each one is a cache hit; wrk counts any answer other than 2xx as "Non-2xx").
wrk.method = "POST"
wrk.body = '{"format": "pdf"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("FOLIO_BENCH_KEY")

function done(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms over %d requests\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests))
end
