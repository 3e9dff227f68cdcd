# What bench/run.sh, bench/storage.sh and bench/flat.sh share: messages and checks, a scratch
# folder, PostgreSQL databases, and a sandbox onramp-server that is stopped (and its database
# dropped) however the script ends.
#
# Source it after setting `name` (the script's name, for messages) and `bin` (the folder of
# the onramp-server and onramp binaries). It sets `work` (a scratch folder, removed at exit)
# and `admin_token`; start_server sets `server_pid` and `server_url`, pg_database `pg_db`.

fail() { echo "bench/$name: $*" >&2; exit 2; }

# Fails unless every named tool is on the PATH.
require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || fail "$tool is missing"
  done
}

# Runs SQL $2 on database $1 as postgres; prints rows unaligned, without notices.
psql_q() {
  PGOPTIONS='-c client_min_messages=warning' \
    psql -h 127.0.0.1 -U postgres -q -At -v ON_ERROR_STOP=1 -c "$2" "$1"
}

require_postgres() {
  psql_q postgres "SELECT 1" >/dev/null 2>&1 \
    || fail "PostgreSQL does not answer on 127.0.0.1:5432 as postgres"
}

random_hex() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

work=$(mktemp -d)
server_pid=""
pg_db=""
admin_token=bench-admin-$(random_hex)

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

# Creates the empty PostgreSQL database $1 and sets pg_db (dropped by drop_db, or at exit).
pg_database() {
  pg_db=$1
  psql_q postgres "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null
  psql_q postgres "CREATE DATABASE $pg_db" >/dev/null
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Starts onramp-server (sandbox, no demo tenant) on database $1 with its files in folder $2,
# with any further NAME=VALUE arguments added to its environment; waits until it is ready and
# sets server_pid and server_url.
start_server() {
  local database=$1 dir=$2 port
  shift 2
  port=$(free_port)
  server_url=http://127.0.0.1:$port
  # In its own folder, so that no onramp.toml of the caller's directory applies.
  (cd "$dir" && exec env \
    DATABASE_URL="$database" \
    ONRAMP_BIND="127.0.0.1:$port" \
    ONRAMP_ADMIN_TOKEN="$admin_token" \
    ONRAMP_KEY_FILE="$dir/onramp.key" \
    ONRAMP_SANDBOX_INBOX="$dir/sandbox.jsonl" \
    ONRAMP_DEMO_TENANT=false \
    ONRAMP_OTP_SENDS_PER_HOUR=1000 \
    "$@" \
    "$bin/onramp-server" >>"$dir/server.log" 2>&1) &
  server_pid=$!
  for _ in $(seq 1 600); do
    curl -fs "$server_url/readyz" >/dev/null 2>&1 && return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then
      tail -n 20 "$dir/server.log" >&2
      fail "onramp-server stopped at start ($dir/server.log)"
    fi
    sleep 0.1
  done
  tail -n 20 "$dir/server.log" >&2
  fail "onramp-server was not ready within 60 s"
}

# Creates tenant $1 with the admin API and prints `TENANT_ID API_KEY`.
create_tenant() {
  "$bin/onramp" tenant create --name "$1" --server "$server_url" --admin-token "$admin_token" \
    | awk '$1 == "id" { id = $2 } $1 == "api" && $2 == "key" { key = $3 } END { if (id != "" && key != "") print id, key }'
}
