#!/usr/bin/env bash
# The export cache hit through HTTP: POST /runs/{id}/export for an export already made, under wrk, against a real
# folio-server (SQLite data directory of its own, the build's plugins). Prints wrk's latency distribution.
# Usage: bench/export_cache_http.sh [BUILD_DIR] [CONNECTIONS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-build/dev}
connections=${2:-16}
seconds=${3:-20}
data=$(mktemp -d)
FOLIO_WORKERS=1 FOLIO_OFFICE_PROCESSES=1 "$build_dir/server/folio-server" serve --listen 127.0.0.1:0 \
  --data-dir "$data/var" >"$data/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT

for _ in $(seq 600); do
  grep -q '"event":"listening"' "$data/log" && break
  sleep 0.1
done
url=$(grep -o '"url":"[^"]*"' "$data/log" | head -1 | cut -d'"' -f4)
key=$(grep -o 'folio_[0-9a-f]\{48\}' "$data/log" | head -1)
[ -n "$url" ] && [ -n "$key" ] || { cat "$data/log" >&2; exit 1; }

run=$(curl -sf "$url/excel/generate" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"prompt": "Create a Q3 sales report"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["run_id"])')
# The one conversion; every request wrk sends after it is a cache hit.
curl -sf -D - -o /dev/null "$url/runs/$run/export" -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' -d '{"format": "pdf"}' | grep -i '^x-export-cache'

threads=$((connections < 2 ? connections : 2))
FOLIO_BENCH_KEY=$key wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s bench/export_cache_http.lua \
  "$url/runs/$run/export"
