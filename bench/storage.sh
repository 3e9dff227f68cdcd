#!/usr/bin/env bash
# Bytes stored per journey (issue 11, item 4: "storage grows with what happened, not with the
# session's size"), on SQLite and on PostgreSQL.
#
# Usage: bench/storage.sh [JOURNEYS] [CONCURRENCY]
#   JOURNEYS     whole conversational-profile journeys to run, default 2000
#   CONCURRENCY  concurrent workers, default 16
#   PROFILE      (environment) release (default) or dev: the build measured
#
# For each engine: a fresh onramp-server (PROFILE's build, sandbox) on a new SQLite file or a new
# PostgreSQL database, a tenant, then `onramp bench --journeys N`: every journey starts a
# session, verifies its phone through the sandbox and submits its 7 steps, every POST under its
# own Idempotency-Key as the `onramp` client sends them. The server is then stopped
# (SIGTERM: SQLite checkpoints its WAL) and the store is measured as it is, without VACUUM:
#   SQLite: the database file plus its WAL, and the bytes of each table (dbstat);
#   PostgreSQL: pg_total_relation_size of each table (heap, TOAST, indexes), before autovacuum
#   could run (it is off for the run).
# Prints bytes per journey, in all and per table.
#
# Needs cargo, psql, python3 and curl, and PostgreSQL on 127.0.0.1:5432 (user postgres, trust).
set -euo pipefail

journeys=${1:-2000}
conc=${2:-16}
repo=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/onramp/target}
# Bytes stored do not depend on the build: PROFILE=dev measures with a debug build, quicker to
# make.
profile=${PROFILE:-release}
case $profile in
  release) bin=$CARGO_TARGET_DIR/release ;;
  dev) bin=$CARGO_TARGET_DIR/debug ;;
  *) echo "bench/storage.sh: PROFILE is release or dev, got '$profile'" >&2; exit 2 ;;
esac

name=storage.sh
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
[[ $journeys =~ ^[1-9][0-9]*$ ]] || fail "JOURNEYS must be a whole number, got '$journeys'"
[[ $conc =~ ^[1-9][0-9]*$ ]] || fail "CONCURRENCY must be a whole number, got '$conc'"
require_tools cargo psql python3 curl
require_postgres

echo "== build (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
(cd "$repo" && cargo build --profile "$profile" -p onramp-server -p onramp-cli)

run_journeys() {
  local api_key
  read -r _ api_key < <(create_tenant storage) || fail "could not create a tenant"
  "$bin/onramp" bench --server "$server_url" --api-key "$api_key" \
    --journeys "$journeys" --concurrency "$conc" | tail -n 4
}

report() { # engine, then "table bytes" lines on stdin
  python3 -c '
import sys
engine, n = sys.argv[1], int(sys.argv[2])
rows = [l.rstrip("\n").rsplit(" ", 1) for l in sys.stdin if l.strip()]
total = sum(int(b) for _, b in rows)
print(f"{engine}: {total} bytes for {n} journeys = {total / n:,.0f} bytes per journey")
for table, b in sorted(rows, key=lambda r: -int(r[1])):
    if int(b) > 0:
        print(f"    {table:<24} {int(b) / n:>10,.0f} bytes per journey")
' "$1" "$journeys"
}

echo "== sqlite, $journeys journeys, c=$conc"
dir=$work/sqlite
mkdir -p "$dir"
start_server "sqlite://$dir/onramp.db" "$dir"
run_journeys
stop_server
python3 - "$dir/onramp.db" >"$work/sqlite.txt" <<'EOF'
import os, sqlite3, sys
path = sys.argv[1]
db = sqlite3.connect(path)
tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
try:
    for t in tables:
        (b,) = db.execute(
            "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ? OR name IN "
            "(SELECT name FROM sqlite_master WHERE tbl_name = ? AND type = 'index')",
            (t, t)).fetchone()
        print(t, b)
    free = db.execute("PRAGMA freelist_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
    print("(free pages)", free)
except sqlite3.OperationalError:
    size = os.path.getsize(path) + (os.path.getsize(path + "-wal") if os.path.exists(path + "-wal") else 0)
    print("(file, no dbstat)", size)
EOF
report sqlite <"$work/sqlite.txt"

echo "== postgres, $journeys journeys, c=$conc"
dir=$work/pg
mkdir -p "$dir"
pg_database "onramp_storage_$$"
start_server "postgres://postgres@127.0.0.1:5432/$pg_db" "$dir"
for t in $(psql_q "$pg_db" "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"); do
  psql_q "$pg_db" "ALTER TABLE $t SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)" >/dev/null
done
run_journeys
stop_server
psql_q "$pg_db" "SELECT tablename || ' ' || pg_total_relation_size(quote_ident(tablename)) FROM pg_tables WHERE schemaname = 'public'" >"$work/pg.txt"
report postgres <"$work/pg.txt"
drop_db
