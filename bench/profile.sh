#!/usr/bin/env bash
# Where a step's time goes (issue 11, item 4: "where a target is missed, say what limits it"):
# a CPU profile of onramp-server and of its database under the journeys of bench/run.sh.
#
# Usage: bench/profile.sh [ENGINE] [CONCURRENCY] [SECONDS]   (defaults sqlite, 64, 10)
#   ENGINE  sqlite (a file in a temporary folder) or pg (a fresh database, dropped after)
#
# A fresh release onramp-server (sandbox) and a tenant; `onramp bench journeys` runs for
# SECONDS + 4 s and, after 2 s of warm-up, `perf record` samples every CPU for SECONDS (call
# graphs off: the self time of each symbol). Prints the journeys' RESULT line, the share of
# the samples taken in each process (the server, the load generator, PostgreSQL, idle), the
# server's samples by thread, and its 30 hottest symbols. For pg, when PostgreSQL has
# pg_stat_statements loaded (below), also PostgreSQL's time by statement over the same run,
# the statements inside `onramp_commit` (PL/pgSQL) included when `pg_stat_statements.track` is
# `all`: what a commit costs the database, beside the ceiling's whole transaction.
#
# To load it (once; restarts PostgreSQL):
#   psql -h 127.0.0.1 -U postgres -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" \
#     -c "ALTER SYSTEM SET pg_stat_statements.track = 'all'" && pg_ctlcluster 15 main restart
#
# Needs perf (apt-get install -y linux-perf) and permission to sample every CPU (root, or
# kernel.perf_event_paranoid at most 0), cargo, psql, python3 and curl, and PostgreSQL on
# 127.0.0.1:5432 (user postgres, trust) for pg.
set -euo pipefail

engine=${1:-sqlite}
conc=${2:-64}
secs=${3:-10}
repo=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/onramp/target}
bin=$CARGO_TARGET_DIR/release

name=profile.sh
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
[[ $engine == sqlite || $engine == pg ]] || fail "ENGINE is sqlite or pg, got '$engine'"
for n in "$conc" "$secs"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || fail "CONCURRENCY and SECONDS are whole numbers, got '$n'"
done
require_tools cargo perf python3 curl
if [[ $engine == pg ]]; then
  require_tools psql
  require_postgres
fi

echo "== build (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
(cd "$repo" && cargo build --release -p onramp-server -p onramp-cli)

dir=$work/$engine
mkdir -p "$dir"
if [[ $engine == pg ]]; then
  pg_database "onramp_profile_$$"
  database=postgres://postgres@127.0.0.1:5432/$pg_db
else
  database=sqlite://$dir/onramp.db
fi
start_server "$database" "$dir"
read -r _ api_key < <(create_tenant profile)
[[ -n ${api_key:-} ]] || fail "no tenant was created"
statements=false
if [[ $engine == pg ]] \
  && [[ $(psql_q postgres "SHOW shared_preload_libraries") == *pg_stat_statements* ]]; then
  psql_q "$pg_db" "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
  statements=true
fi

"$bin/onramp" bench journeys --server "$server_url" --api-key "$api_key" \
  --seconds $((secs + 4)) --concurrency "$conc" >"$work/journeys.log" 2>&1 &
load_pid=$!
sleep 2
if $statements; then
  psql_q "$pg_db" "SELECT pg_stat_statements_reset()" >/dev/null
fi
perf record -q -a -F 499 -o "$work/perf.data" -- sleep "$secs" 2>/dev/null
if $statements; then
  # Over the sampled seconds only, and this database only.
  psql_q "$pg_db" "SELECT calls, round(total_exec_time::numeric, 1), round((total_exec_time / calls)::numeric, 3),
      left(regexp_replace(translate(query, '|', '/'), '\s+', ' ', 'g'), 90)
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY total_exec_time DESC LIMIT 20" >"$work/statements.txt"
fi
wait "$load_pid" || fail "the journeys failed: $(tail -n 5 "$work/journeys.log")"
profiled=$server_pid
stop_server

# The first $1 rows of a `perf report --stdio`, without its empty trailing columns.
rows() {
  awk -v n="$1" '/^ *[0-9.]+%/ && k++ < n {
    sub(/[[:space:]]+-[[:space:]]+-[[:space:]]*$/, ""); sub(/[[:space:]]+$/, ""); print "  " $0 }'
}
report() { perf report -i "$work/perf.data" --no-children --stdio "$@" 2>/dev/null; }

echo "== $engine, $conc concurrent journeys, $secs s sampled"
grep '^RESULT ' "$work/journeys.log"
echo "-- samples by process, onramp-server is $profiled (share of all CPUs' samples; swapper: idle)"
report --sort pid | rows 8
echo "-- onramp-server by thread (tokio-rt-worker: requests, and SQLite's reads; sqlite-writer: SQLite's writes; share of all samples)"
report --pid "$profiled" --sort comm | rows 6
echo "-- hottest symbols of onramp-server (self time, share of all samples; [k]: the kernel)"
report --pid "$profiled" --sort symbol | rows 30
if $statements; then
  echo "-- PostgreSQL by statement over the sampled seconds (calls, total ms, ms per call; nested"
  echo "   statements of onramp_commit listed too when pg_stat_statements.track is all, so the"
  echo "   totals overlap)"
  awk -F'|' '{ printf "  %8d %10.1f %8.3f  %s\n", $1, $2, $3, $4 }' "$work/statements.txt"
elif [[ $engine == pg ]]; then
  echo "-- (PostgreSQL's time by statement: load pg_stat_statements, see the top of this script)"
fi
