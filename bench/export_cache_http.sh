#!/usr/bin/env bash
# The export cache hit through HTTP: POST /runs/{id}/export for an export already made, under wrk, against a real
# folio-server (SQLite data directory of its own, the build's plugins). Prints wrk's latency distribution.
# Usage: bench/export_cache_http.sh [BUILD_DIR] [CONNECTIONS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-build/dev}
connections=${2:-16}
seconds=${3:-20}
# shellcheck source=bench/folio_server.sh
source bench/folio_server.sh
FOLIO_WORKERS=1 FOLIO_OFFICE_PROCESSES=1 start_folio_server "$build_dir"

run=$(curl -sf "$url/excel/generate" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"prompt": "Create a Q3 sales report"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["run_id"])')
# The one conversion; every request wrk sends after it is a cache hit.
curl -sf -D - -o /dev/null "$url/runs/$run/export" -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' -d '{"format": "pdf"}' | grep -i '^x-export-cache'

threads=$((connections < 2 ? connections : 2))
FOLIO_BENCH_KEY=$key wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s bench/export_cache_http.lua \
  "$url/runs/$run/export"
