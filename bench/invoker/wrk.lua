-- wrk script for both cases. BENCH_CASE=cloudevent sends a binary-mode CloudEvent
-- (ce-* headers, small JSON body); anything else sends the plain GET.
-- done() prints one machine-readable line that run.sh collects.

local case = os.getenv("BENCH_CASE") or "http"

if case == "cloudevent" then
  wrk.method = "POST"
  wrk.body = '{"message":"hello","count":1}'
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["ce-specversion"] = "1.0"
  wrk.headers["ce-id"] = "bench-0001"
  wrk.headers["ce-source"] = "/bench/wrk"
  wrk.headers["ce-type"] = "dev.kn-fn.bench"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
