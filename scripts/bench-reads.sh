#!/usr/bin/env bash
# Benchmark: the API's hot read paths beside /healthz, in one run, at 64
# connections with wrk: a call's comments (50 of them) and the call list, as
# the manager reads them. Prints requests/s, p99 latency and each path's share
# of /healthz's throughput, then the same reads on a second server on the same
# database with the read cache off (--read-cache-ms 0), where every request
# goes to the database.
# Target: each read path at least 25% of /healthz, p99 under 10 ms.
#   scripts/bench-reads.sh              # the embedded default (SQLite + disk)
#   scripts/bench-reads.sh --postgres   # PostgreSQL on 127.0.0.1:5432 (trust auth)
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND=sqlite
[ "${1:-}" = "--postgres" ] && BACKEND=postgres
DURATION=${BENCH_SECONDS:-10}
for tool in wrk curl jq; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk curl jq >/dev/null; }
done

echo "building filmroom (release)…" >&2
cargo build --release --locked -q -p filmroom-cli --bin filmroom
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
FILMROOM="$target_dir/release/filmroom"

work=$(mktemp -d)
server_pid=""
uncached_pid=""
database=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  [ -n "$uncached_pid" ] && kill "$uncached_pid" 2>/dev/null
  [ -n "$database" ] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
export FILMROOM_DATA_DIR="$work/data"
if [ "$BACKEND" = postgres ]; then
  database="filmroom_bench_$$"
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $database" >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$database"
fi
RUST_LOG=warn,filmroom=info "$FILMROOM" serve --listen 127.0.0.1:0 >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
api=$(grep -o "http://127.0.0.1:[0-9]*" "$work/serve.log" | head -1 || true)
[ -n "$api" ] || { cat "$work/serve.log" >&2; exit 1; }

admin=$("$FILMROOM" admin bootstrap --org Bench --email admin@bench.example --name Admin 2>/dev/null)
auth=(-H "Authorization: Bearer $admin" -H 'Content-Type: application/json')
manager=$(curl -s "$api/v1/users" "${auth[@]}" -d '{"email": "m@bench.example", "name": "M", "role": "manager"}' | jq -r .id)
rep=$(curl -s "$api/v1/users" "${auth[@]}" -d "{\"email\": \"r@bench.example\", \"name\": \"R\", \"role\": \"rep\", \"manager_id\": \"$manager\"}" | jq -r .id)
token=$(curl -s "$api/v1/users/$manager/tokens" "${auth[@]}" -d '{"name": "bench"}' | jq -r .secret)
mauth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')

call=$(curl -s "$api/v1/calls" "${mauth[@]}" -d "{\"rep_id\": \"$rep\", \"title\": \"Discovery\"}" | jq -r .id)
curl -s -o /dev/null -X PUT "$api/v1/calls/$call/audio" -H "Authorization: Bearer $token" \
  -H 'Content-Type: audio/wav' --data-binary @tests/fixtures/speech-8k-mono-s16.wav
until [ "$(curl -s "$api/v1/calls/$call" "${mauth[@]}" | jq -r .status)" = ready ]; do sleep 0.2; done
for n in $(seq 50); do
  curl -s -o /dev/null "$api/v1/calls/$call/comments" "${mauth[@]}" \
    -d "{\"at_ms\": $((n * 40)), \"body\": \"Comment $n on the discovery questions\", \"kind\": \"note\"}"
done
for n in $(seq 30); do
  curl -s -o /dev/null "$api/v1/calls" "${mauth[@]}" -d "{\"rep_id\": \"$rep\", \"title\": \"Call $n\"}"
done

# The same reads with the cache off, on a second server over the same data.
RUST_LOG=warn,filmroom=info "$FILMROOM" serve --listen 127.0.0.1:0 --no-worker --read-cache-ms 0 \
  >"$work/uncached.log" 2>&1 &
uncached_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/uncached.log" 2>/dev/null && break; sleep 0.1; done
uncached=$(grep -o "http://127.0.0.1:[0-9]*" "$work/uncached.log" | head -1 || true)
[ -n "$uncached" ] || { cat "$work/uncached.log" >&2; exit 1; }

# wrk prints "Requests/sec: N" and, with --latency, "99% Nms|Nus|Ns".
# measure PATH [BASE_URL]
measure() {
  local out
  out=$(wrk -t2 -c64 -d"${DURATION}s" --latency -H "Authorization: Bearer $token" "${2:-$api}$1")
  local rps p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}')
  local errors
  errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  [ -z "$errors" ] || { echo "$1 answered $errors non-2xx responses" >&2; exit 1; }
  echo "$rps $p99"
}
read -r health_rps health_p99 < <(measure /healthz)
read -r comments_rps comments_p99 < <(measure "/v1/calls/$call/comments")
read -r list_rps list_p99 < <(measure /v1/calls)
read -r cold_comments_rps cold_comments_p99 < <(measure "/v1/calls/$call/comments" "$uncached")
read -r cold_list_rps cold_list_p99 < <(measure /v1/calls "$uncached")
printf '\nread paths on %s, 64 connections, %ss each\n' "$BACKEND" "$DURATION"
printf '%-40s %10s %10s %8s\n' path req/s p99-ms share
printf '%-40s %10.0f %10.2f %8s\n' "GET /healthz" "$health_rps" "$health_p99" "100%"
for row in "GET /v1/calls/{id}/comments (50)|$comments_rps|$comments_p99" "GET /v1/calls|$list_rps|$list_p99" \
  "GET /v1/calls/{id}/comments, no cache|$cold_comments_rps|$cold_comments_p99" "GET /v1/calls, no cache|$cold_list_rps|$cold_list_p99"; do
  IFS='|' read -r name rps p99 <<<"$row"
  printf '%-40s %10.0f %10.2f %7.1f%%\n' "$name" "$rps" "$p99" "$(awk "BEGIN{print 100*$rps/$health_rps}")"
done
echo "target: each read path >= 25% of /healthz, p99 < 10 ms"
echo "read cache of the first server: $(curl -s "$api/metrics" | awk '/^filmroom_read_cache_(hits|misses|changes)/ {sub(/filmroom_read_cache_/, ""); printf "%s %s  ", $1, $2}')"
