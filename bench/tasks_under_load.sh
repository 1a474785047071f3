#!/usr/bin/env bash
# Latency of `GET /tasks/{id}` on a folio-server whose I/O threads also hold 200 sync generate calls waiting and 50
# SSE streams open (bench/hold_open.py), beside the same measurement on the same server before that load. The server
# runs no worker (FOLIO_WORKERS=0), so the calls wait and their tasks stay queued; FOLIO_SYNC_TIMEOUT=1h keeps the
# calls from turning into 202 answers during the run. wrk sends the requests on CONNECTIONS keep-alive connections.
# Usage: bench/tasks_under_load.sh [BUILD_DIR] [SECONDS] [CONNECTIONS] [CALLS] [STREAMS]
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-build/release}
seconds=${2:-20}
connections=${3:-4}
calls=${4:-200}
streams=${5:-50}
# shellcheck source=bench/folio_server.sh
source bench/folio_server.sh

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit: $(git rev-parse --short HEAD), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
FOLIO_WORKERS=0 FOLIO_OFFICE_PROCESSES=1 FOLIO_SYNC_TIMEOUT=1h start_folio_server "$build_dir"
server=${pids[-1]}

# One queued task to read before the load, so both measurements read the same kind of row.
idle_task=$(curl -sf "$url/excel/generate" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"prompt": "Create a Q3 sales report", "async": true}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["task_id"])')

measure() {
  local name=$1 task=$2
  echo "== $name: GET /tasks/$task ($(curl -sf "$url/tasks/$task" -H "Authorization: Bearer $key" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])'))"
  wrk -t1 -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $key" "$url/tasks/$task" |
    tee "$work/$name.wrk"
}

measure idle "$idle_task"

python3 bench/hold_open.py "$url" "$key" "$calls" "$streams" >"$work/held" &
pids+=($!)
for _ in $(seq 1200); do
  [ -s "$work/held" ] && break
  kill -0 "${pids[-1]}" 2>/dev/null || { echo "hold_open.py failed" >&2; exit 1; }
  sleep 0.1
done
loaded_task=$(cat "$work/held")
echo "held open: $calls sync calls waiting, $streams event streams;" \
  "server threads: $(ls "/proc/$server/task" | wc -l), open sockets: $(ls -l "/proc/$server/fd" | grep -c socket)"
measure loaded "$loaded_task"

echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %12s %9s %9s %9s %9s %8s\n' case requests/s p50 p90 p99 max non-2xx
for name in idle loaded; do
  printf '%-8s %12s %9s %9s %9s %9s %8s\n' "$name" "$(awk '/^Requests\/sec:/ {print $2}' "$work/$name.wrk")" \
    "$(awk '$1 == "50%" {print $2}' "$work/$name.wrk")" "$(awk '$1 == "90%" {print $2}' "$work/$name.wrk")" \
    "$(awk '$1 == "99%" {print $2}' "$work/$name.wrk")" "$(awk '/Latency / {print $4}' "$work/$name.wrk")" \
    "$(awk '/Non-2xx/ {print $NF}' "$work/$name.wrk")"
done
