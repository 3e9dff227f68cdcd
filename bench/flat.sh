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

fail() { echo "bench/flat.sh: $*" >&2; exit 2; }
for n in "$sessions" "$secs" "$conc"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || fail "SESSIONS, SECONDS and CONCURRENCY are whole numbers, got '$n'"
done
for tool in cargo psql python3 curl; do
  command -v "$tool" >/dev/null || fail "$tool is missing"
done
psql_q() { psql -h 127.0.0.1 -U postgres -q -At -v ON_ERROR_STOP=1 -c "$2" "$1"; }
psql_q postgres "SELECT 1" >/dev/null 2>&1 || fail "PostgreSQL does not answer on 127.0.0.1:5432"

work=$(mktemp -d)
server_pid=""
pg_db=""
stop_server() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
drop_db() {
  if [[ -n $pg_db ]]; then
    psql_q postgres "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null || true
    pg_db=""
  fi
}
trap 'stop_server; drop_db; rm -rf "$work"' EXIT

echo "== build (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
(cd "$repo" && cargo build --release -p onramp-server -p onramp-cli)

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
admin_token=flat-admin-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')

start_server() { # database, folder
  local database=$1 dir=$2 port
  port=$(free_port)
  server_url=http://127.0.0.1:$port
  (cd "$dir" && exec env \
    DATABASE_URL="$database" \
    ONRAMP_BIND="127.0.0.1:$port" \
    ONRAMP_ADMIN_TOKEN="$admin_token" \
    ONRAMP_KEY_FILE="$dir/onramp.key" \
    ONRAMP_SANDBOX_INBOX="$dir/sandbox.jsonl" \
    ONRAMP_DEMO_TENANT=false \
    ONRAMP_OTP_SENDS_PER_HOUR=1000 \
    "$bin/onramp-server" >>"$dir/server.log" 2>&1) &
  server_pid=$!
  for _ in $(seq 1 600); do
    curl -fs "$server_url/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || { tail -n 20 "$dir/server.log" >&2; fail "server stopped"; }
    sleep 0.1
  done
  fail "onramp-server was not ready within 60 s"
}

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
    pg_db=onramp_flat_$$
    psql_q postgres "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null
    psql_q postgres "CREATE DATABASE $pg_db" >/dev/null
    database=postgres://postgres@127.0.0.1:5432/$pg_db
  fi
  echo "== $engine: empty store"
  start_server "$database" "$dir"
  created=$("$bin/onramp" tenant create --name "flat $engine" --server "$server_url" --admin-token "$admin_token")
  api_key=$(awk '$1 == "api" && $2 == "key" { print $3 }' <<<"$created")
  tenant=$(awk '$1 == "id" { print $2 }' <<<"$created")
  [[ -n $api_key && -n $tenant ]] || fail "could not create a tenant"
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
