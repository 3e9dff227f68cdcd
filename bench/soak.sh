#!/usr/bin/env bash
# Memory under steady load (issue 11, item 8): conversational journeys on SQLite for MINUTES
# (default 10), the server's resident memory (RSS, from /proc) printed at 1, 5 and 10 minutes
# (and every minute), and whether the last two differ by less than 10 %.
#
# Usage: bench/soak.sh [MINUTES] [CONCURRENCY]   (defaults 10, 16)
# Needs cargo, curl and python3; builds the release binaries into $CARGO_TARGET_DIR (default
# /var/cache/onramp/target). Listens on 127.0.0.1 only.
set -euo pipefail

minutes=${1:-10}
c=${2:-16}
repo=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/onramp/target}
bin=$CARGO_TARGET_DIR/release
fail() { echo "bench/soak.sh: $*" >&2; exit 2; }
[[ $minutes =~ ^[1-9][0-9]*$ ]] || fail "MINUTES must be a whole number, got '$minutes'"
[[ $c =~ ^[1-9][0-9]*$ ]] || fail "CONCURRENCY must be a whole number, got '$c'"
for tool in cargo curl python3; do command -v "$tool" >/dev/null || fail "$tool is missing"; done

(cd "$repo" && cargo build -q --release -p onramp-server -p onramp-cli)
work=$(mktemp -d)
server_pid=""
load_pid=""
trap '[[ -n $load_pid ]] && kill "$load_pid" 2>/dev/null; [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
token=soak-admin-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
(cd "$work" && exec env DATABASE_URL="sqlite://$work/onramp.db" ONRAMP_BIND="127.0.0.1:$port" \
  ONRAMP_ADMIN_TOKEN="$token" ONRAMP_KEY_FILE="$work/onramp.key" \
  ONRAMP_SANDBOX_INBOX="$work/sandbox.jsonl" ONRAMP_DEMO_TENANT=false \
  ONRAMP_OTP_SENDS_PER_HOUR=1000 "$bin/onramp-server" >"$work/server.log" 2>&1) &
server_pid=$!
for _ in $(seq 1 600); do curl -fs "$url/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$url/readyz" >/dev/null || fail "onramp-server did not start ($work/server.log)"
key=$("$bin/onramp" tenant create --name soak --server "$url" --admin-token "$token" | grep -o 'onr_sk_[A-Za-z0-9_-]*' | head -n 1)
[[ -n $key ]] || fail "no tenant key"

rss_mb() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$server_pid/status"; }
echo "soak: $minutes min of journeys at c=$c on SQLite; RSS at start $(rss_mb) MB"
"$bin/onramp" bench journeys --server "$url" --api-key "$key" --seconds $((minutes * 60)) \
  --concurrency "$c" >"$work/load.txt" 2>&1 &
load_pid=$!
declare -A at
for m in $(seq 1 "$minutes"); do
  sleep 60
  at[$m]=$(rss_mb)
  echo "soak: RSS at $m min: ${at[$m]} MB"
done
wait "$load_pid" || true
load_pid=""
grep '^RESULT ' "$work/load.txt" | sed 's/^RESULT /soak: load /' || echo "soak: the load printed no result"
if (( minutes >= 10 )); then
  python3 - "${at[1]}" "${at[5]}" "${at[10]}" <<'PY'
import sys
one, five, ten = map(float, sys.argv[1:])
growth = (ten - five) / five * 100
verdict = "levelled off" if abs(growth) < 10 else "still growing"
print(f"soak: RSS 1 min {one} MB, 5 min {five} MB, 10 min {ten} MB; 5 -> 10 min {growth:+.1f} % ({verdict})")
PY
fi
