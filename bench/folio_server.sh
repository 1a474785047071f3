# Sourced by the bench scripts that drive a real folio-server: a work directory removed on exit with every process
# started into `pids`, and start_folio_server, which starts the build's server on a free port with its own data
# directory (the environment, FOLIO_WORKERS and the like, is the caller's) and sets `url` and `key` from its first log
# lines.
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# Usage: [VAR=value ...] start_folio_server BUILD_DIR
start_folio_server() {
  "$1/server/folio-server" serve --listen 127.0.0.1:0 --data-dir "$work/var" >"$work/folio.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 600); do
    grep -q '"event":"listening"' "$work/folio.log" && break
    sleep 0.1
  done
  url=$(grep -o '"url":"[^"]*"' "$work/folio.log" | head -1 | cut -d'"' -f4)
  key=$(grep -o 'folio_[0-9a-f]\{48\}' "$work/folio.log" | head -1)
  [ -n "$url" ] && [ -n "$key" ] || { cat "$work/folio.log" >&2; exit 1; }
}
