#!/usr/bin/env bash
# Flat cost (issue 11, item 4): step p99 with SESSIONS sessions stored beside an empty store,
# on SQLite and on PostgreSQL.
#
# Usage: bench/flat.sh [SESSIONS] [SECONDS] [CONCURRENCY]   (defaults 1000000, 10, 16)
#
# For each engine: a fresh database and release server (sandbox), a tenant, then
# `onramp bench journeys` on the empty store; the server stops, `onramp bench seed` writes
# SESSIONS started sessions for the same tenant straight to the database (not over HTTP), the
# server starts again on it and the same journeys run. Prints both step p99s and their ratio
# (the target is at most 1.2).
#
# Needs cargo, psql, python3 and curl, and PostgreSQL on 127.0.0.1:5432 (user postgres, trust).
set -euo pipefail

sessions=${1:-1000000}
secs=${2:-10}
conc=${3:-16}
repo=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/onramp/target}
bin=$CARGO_TARGET_DIR/release

name=flat.sh
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
for n in "$sessions" "$secs" "$conc"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || fail "SESSIONS, SECONDS and CONCURRENCY are whole numbers, got '$n'"
done
require_tools cargo psql python3 curl
require_postgres

echo "== build (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
(cd "$repo" && cargo build --release -p onramp-server -p onramp-cli)

p99() { # the step p99 of `onramp bench journeys` against $server_url with $api_key
  "$bin/onramp" bench journeys --server "$server_url" --api-key "$api_key" \
    --seconds "$secs" --concurrency "$conc" | tee -a "$work/journeys.log" \
    | awk '/^RESULT / { for (i = 1; i <= NF; i++) if (index($i, "step_p99_ms=") == 1) print substr($i, 13) }'
}

results=()
for engine in sqlite pg; do
  dir=$work/$engine
  mkdir -p "$dir"
  if [[ $engine == sqlite ]]; then
    database=sqlite://$dir/onramp.db
  else
    pg_database "onramp_flat_$$"
    database=postgres://postgres@127.0.0.1:5432/$pg_db
  fi
  echo "== $engine: empty store"
  start_server "$database" "$dir"
  read -r tenant api_key < <(create_tenant "flat $engine") || fail "could not create a tenant"
  empty=$(p99)
  stop_server
  echo "== $engine: seeding $sessions sessions"
  "$bin/onramp" bench seed --database-url "$database" --sessions "$sessions" --tenant "$tenant"
  echo "== $engine: $sessions sessions stored"
  start_server "$database" "$dir"
  full=$(p99)
  stop_server
  drop_db
  results+=("$(awk -v e="$engine" -v n="$sessions" -v a="$empty" -v b="$full" \
    'BEGIN { printf "%-6s step p99 empty %7.2f ms, with %d sessions %7.2f ms, ratio %.2f", e, a, n, b, b / a }')")
done

echo
echo "Flat cost, $secs s of journeys at c=$conc per figure (target: ratio at most 1.2)"
printf '%s\n' "${results[@]}"
