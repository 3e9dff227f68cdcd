#!/usr/bin/env bash
# Onramp's benchmark beside this machine's ceiling, both measured in one sitting (issue 11,
# item 4): the figures read as ratios, which hold on a noisy machine where absolute figures do
# not.
#
# Usage: bench/run.sh [SECONDS] [CONCURRENCIES]
#   SECONDS        of load per measurement, default 15
#   CONCURRENCIES  default "16 64"
#
# 1. Builds onramp-server and onramp (release) into $CARGO_TARGET_DIR (default
#    /var/cache/onramp/target); first, so that a build error stops the run before any load.
# 2. Runs ../shared/bench/ceiling/run.sh (beside this repository; built and run from there,
#    never copied here) for sqlite/txn, pg/txn, sqlite/insert and pg/insert at each
#    concurrency, and keeps its `ceiling ...` lines.
# 3. For each engine (SQLite: a file in a temporary folder; PostgreSQL: a fresh database on
#    postgres://postgres@127.0.0.1:5432, dropped after) and each concurrency C: a fresh
#    onramp-server on a free 127.0.0.1 port with the sandbox, a tenant made with the admin API,
#    then for SECONDS each
#      `onramp bench journeys`: conversational-profile journeys, phone verified through the
#        sandbox, back to back by C workers; step submissions/s and their latency;
#      `onramp bench webhooks`: Stripe-signed events with distinct ids, C at a time, to
#        POST /webhooks/stripe (the server gets STRIPE_WEBHOOK_SECRET alone: payments stay on
#        the sandbox). They name no trial Onramp knows, so each is verified, looked up, and
#        stored once as unmatched (the answer says so).
# 4. Prints one table: step submissions/s beside the ceiling's txn rps of the same engine and
#    concurrency, webhook ingest beside the ceiling's insert rps, the ratios and p99s; then
#    every raw line.
#
# Needs cargo, wrk (apt-get install -y wrk), psql, python3 and curl, and PostgreSQL on
# 127.0.0.1:5432 (user postgres, trust). The load generators share the machine with what they
# load, as wrk does for the ceiling.
set -euo pipefail

secs=${1:-15}
concs=${2:-"16 64"}
repo=$(cd "$(dirname "$0")/.." && pwd)
ceiling=$repo/../shared/bench/ceiling/run.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/onramp/target}
bin=$CARGO_TARGET_DIR/release

name=run.sh
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
[[ $secs =~ ^[1-9][0-9]*$ ]] || fail "SECONDS must be a whole number of seconds, got '$secs'"
for c in $concs; do [[ $c =~ ^[1-9][0-9]*$ ]] || fail "bad concurrency '$c' in '$concs'"; done
command -v wrk >/dev/null || fail "wrk is missing (the ceiling needs it): apt-get install -y wrk"
require_tools cargo psql python3 curl
[[ -x $ceiling ]] || fail "no ceiling at $ceiling (the shared folder sits beside the repository)"
require_postgres

echo "== build (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
(cd "$repo" && cargo build --release -p onramp-server -p onramp-cli)

echo "== ceiling: $ceiling \"sqlite/txn pg/txn sqlite/insert pg/insert\" \"$concs\" $secs"
"$ceiling" "sqlite/txn pg/txn sqlite/insert pg/insert" "$concs" "$secs" | tee "$work/ceiling.log"
grep '^ceiling ' "$work/ceiling.log" >"$work/raw.txt" || fail "the ceiling printed no result"

webhook_secret=whsec_bench$(random_hex)

# Runs `onramp bench $1` (more arguments follow) and appends its RESULT line, prefixed with
# `onramp $engine`, to the raw lines; prints its report as it goes.
measure() {
  local kind=$1 out
  shift
  out=$work/$engine-$kind-$c.txt
  "$bin/onramp" bench "$kind" --server "$server_url" --seconds "$secs" --concurrency "$c" "$@" \
    >"$out" 2>&1 || true
  sed 's/^/    /' "$out"
  if grep -q '^RESULT ' "$out"; then
    grep '^RESULT ' "$out" | sed "s/^RESULT /onramp $engine /" >>"$work/raw.txt"
  else
    echo "    (no RESULT line: onramp bench $kind failed)"
  fi
}

for engine in sqlite pg; do
  for c in $concs; do
    dir=$work/$engine-$c
    mkdir -p "$dir"
    if [[ $engine == sqlite ]]; then
      database=sqlite://$dir/onramp.db
    else
      pg_database "onramp_bench_$$_$c"
      database=postgres://postgres@127.0.0.1:5432/$pg_db
    fi
    echo "== onramp $engine c=$c"
    start_server "$database" "$dir" STRIPE_WEBHOOK_SECRET="$webhook_secret"
    read -r _ api_key < <(create_tenant "bench $engine $c") || fail "could not create a tenant"
    echo "  journeys"
    measure journeys --api-key "$api_key"
    echo "  webhooks"
    measure webhooks --secret "$webhook_secret"
    stop_server
    drop_db
  done
done

# The value of key $2 in line $1 (`key=value` fields), or nothing.
field() { awk -v k="$2" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' <<<"$1"; }
# The line of the raw lines that starts with $1, or nothing.
line() { grep -m1 -F -- "$1" "$work/raw.txt" || true; }
# $1 / $2 with two decimals, or - when either is missing or the divisor is 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
or_dash() { if [[ -n $1 ]]; then echo "$1"; else echo -; fi; }

echo
echo "Onramp beside the ceiling, ${secs} s per figure (ratio = Onramp / ceiling)"
format="%-6s %4s | %9s %9s %6s %9s %9s | %9s %9s %6s %9s %9s %s\n"
# shellcheck disable=SC2059
printf "$format" engine c "steps/s" "txn rps" ratio "p99 ms" "txn p99" \
  "hooks/s" "ins rps" ratio "p99 ms" "ins p99" "answers"
for engine in sqlite pg; do
  for c in $concs; do
    j=$(line "onramp $engine bench=journeys c=$c ")
    w=$(line "onramp $engine bench=webhooks c=$c ")
    t=$(line "ceiling $engine/txn c=$c ")
    i=$(line "ceiling $engine/insert c=$c ")
    steps=$(field "$j" step_rps) txn=$(field "$t" rps)
    hooks=$(field "$w" rps) ins=$(field "$i" rps)
    answers=-
    if [[ -n $w ]]; then
      answers="stored=$(field "$w" stored) unmatched=$(field "$w" unmatched) errors=$(field "$w" errors)"
    fi
    # shellcheck disable=SC2059
    printf "$format" "$engine" "$c" \
      "$(or_dash "$steps")" "$(or_dash "$txn")" "$(ratio "$steps" "$txn")" \
      "$(or_dash "$(field "$j" step_p99_ms)")" "$(or_dash "$(field "$t" p99_ms)")" \
      "$(or_dash "$hooks")" "$(or_dash "$ins")" "$(ratio "$hooks" "$ins")" \
      "$(or_dash "$(field "$w" p99_ms)")" "$(or_dash "$(field "$i" p99_ms)")" "$answers"
  done
done
echo
echo "steps/s: step submissions (POST /v1/sessions/{id}/steps/...) per second of whole journeys;"
echo "hooks/s: Stripe webhooks per second; answers: how the server acknowledged them"
echo "(unmatched: verified and stored once, but about no trial or order Onramp knows)."
echo
echo "Raw lines:"
cat "$work/raw.txt"
