#!/usr/bin/env bash
# folio-server's read routes beside a Pistache hello-world, in one run on one machine: wrk against the hello-world
# (bench/bench_http_hello.cpp, 2 I/O threads), then against `GET /tasks/{id}` and `GET /runs?limit=20` of a real
# folio-server (2 I/O threads, its own SQLite data directory with RUNS runs made by the scripted agent). Every wrk run
# uses HTTP/1.1 keep-alive connections (wrk sends no Connection header; the script checks that both servers keep the
# connection open without it). Prints each run's wrk output, then a summary with each route's ratio to the hello-world
# and how many reads folio-server answered from kept answers (ADR 14). FOLIO_ANSWER_CACHE_BYTES=0 in the environment
# measures the routes without kept answers.
# Usage: bench/http_api.sh [BUILD_DIR] [SECONDS] [CONNECTIONS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-build/release}
seconds=${2:-20}
connections=${3:-64}
runs=${4:-30}
# shellcheck source=bench/folio_server.sh
source bench/folio_server.sh

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# True when two requests on one curl command line shared a connection (HTTP/1.1, no Connection header sent).
keeps_alive() {
  curl -sv -o /dev/null -o /dev/null "$@" 2>&1 | grep -q 'Re-using existing connection'
}

# CPU time (user + system) a process has used, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# wrk with its latency distribution; the summary takes requests/s and percentiles from it, and the server's CPU time
# per request from /proc (steadier than requests/s on a shared machine: it does not count time spent waiting for a core).
# Usage: measure NAME SERVER_PID WRK_ARGS...
measure() {
  local name=$1 pid=$2
  shift 2
  echo "== $name"
  local before
  before=$(cpu_ticks "$pid")
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@" | tee "$work/$name.wrk"
  echo $(($(cpu_ticks "$pid") - before)) >"$work/$name.ticks"
}

# Microseconds of the server's CPU per request answered.
cpu_per_request() {
  awk -v ticks="$(cat "$work/$1.ticks")" -v hz="$(getconf CLK_TCK)" '/ requests in / {printf "%.0f", ticks / hz * 1e6 / $1}' \
    "$work/$1.wrk"
}

requests_per_second() { awk '/^Requests\/sec:/ {print $2}' "$work/$1.wrk"; }
percentile() { awk -v p="$2%" '$1 == p {print $2}' "$work/$1.wrk"; }
non_2xx() { awk '/Non-2xx/ {print $NF}' "$work/$1.wrk"; }

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit: $(git rev-parse --short HEAD), load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# folio-server first: seeding runs takes LibreOffice's time, the hello-world is not started until the measurement.
FOLIO_WORKERS=2 FOLIO_OFFICE_PROCESSES=2 start_folio_server "$build_dir"

# RUNS sync generate calls, two at a time (one per engine worker), each a workbook built by the scripted agent.
seq "$runs" | xargs -P2 -I{} curl -sf -o "$work/run-{}.json" "$url/excel/generate" \
  -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d '{"prompt": "Create a Q3 sales report"}'
task=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["task_id"])' "$work/run-1.json")
listed=$(curl -sf "$url/runs?limit=100" -H "Authorization: Bearer $key" |
  python3 -c 'import json, sys; print(sum(1 for run in json.load(sys.stdin)["items"] if run["status"] == "completed"))')
echo "seeded: $listed completed runs; GET /tasks/$task answers status" \
  "$(curl -sf "$url/tasks/$task" -H "Authorization: Bearer $key" | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])')"

hello_port=$(free_port)
"$build_dir/bench/folio_bench_http_hello" "127.0.0.1:$hello_port" >"$work/hello.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  grep -q 'hello-world on' "$work/hello.log" && break
  sleep 0.1
done
hello="http://127.0.0.1:$hello_port/"

for target in "$hello" "$url/tasks/$task"; do
  if keeps_alive -H "Authorization: Bearer $key" "$target" "$target"; then
    echo "keep-alive without a Connection header: yes ($target)"
  else
    echo "keep-alive without a Connection header: NO ($target)"
  fi
done

folio_pid=${pids[0]}
hello_pid=${pids[-1]}
measure hello "$hello_pid" "$hello"
# /healthz: folio-server's router, log line and metrics with no store read, the floor under every API route.
measure healthz "$folio_pid" "$url/healthz"
measure tasks "$folio_pid" -H "Authorization: Bearer $key" "$url/tasks/$task"
measure runs "$folio_pid" -H "Authorization: Bearer $key" "$url/runs?limit=20"

hello_rate=$(requests_per_second hello)
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %12s %8s %9s %9s %9s %8s %12s\n' target requests/s ratio p50 p90 p99 non-2xx 'CPU/request'
for name in hello healthz tasks runs; do
  rate=$(requests_per_second "$name")
  printf '%-22s %12s %8s %9s %9s %9s %8s %12s\n' "$name" "$rate" "$(awk -v a="$rate" -v b="$hello_rate" 'BEGIN {printf "%.2f", a / b}')" \
    "$(percentile "$name" 50)" "$(percentile "$name" 90)" "$(percentile "$name" 99)" "$(non_2xx "$name")" \
    "$(cpu_per_request "$name") µs"
done
echo
curl -sf "$url/metrics" | grep '^folio_answer_cache_lookups_total' || true
