#!/usr/bin/env bash
# Compiles every public header of the core alone, the way someone who copied include/ into their project would: the
# compiler, -std=c++20 and -I include, nothing else (no definitions, no CMake target). Fails naming each header that
# does not compile on its own. Usage: compile_each_header.sh CXX INCLUDE_DIR
set -euo pipefail
cxx=$1
include_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mapfile -t headers < <(cd "$include_dir" && find folio -name '*.hpp' | sort)
if [ ${#headers[@]} -lt 30 ]; then
  echo "found only ${#headers[@]} headers under $include_dir/folio" >&2
  exit 1
fi
failed=()
for header in "${headers[@]}"; do
  unit="$work/${header//\//_}.cpp"
  printf '#include <%s>\n#include <%s>\n' "$header" "$header" > "$unit" # twice: the include guard must hold
  if ! "$cxx" -std=c++20 -fsyntax-only -I "$include_dir" "$unit" 2> "$unit.log"; then
    failed+=("$header")
    head -n 20 "$unit.log" >&2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "these headers do not compile alone with -std=c++20 -I include: ${failed[*]}" >&2
  exit 1
fi
echo "${#headers[@]} headers compile alone with $cxx -std=c++20 -I $include_dir"
