#!/usr/bin/env bash
# Benchmark: the API's hot read paths beside /healthz, in one run, at 64
# connections with wrk: a call's comments (50 of them) and the call list, as
# the manager reads them. Prints requests/s, p99 latency and each path's share
# of /healthz's throughput, then the same reads on a second server on the same
# database with the read cache off (--read-cache-ms 0), where every request
# goes to the database.
# Target: each read path at least 25% of /healthz, p99 under 10 ms.
#
# Then the load a team makes: 10 managers and 100 reps, one call each with 20
# comments; every request from a random person's token over what they see
# (a rep their own call, its comments and their list; a manager their reps'),
# with 0 % and with 5 % of requests writing a comment, beside /healthz, with
# the read cache on and off. Afterwards every comment wrk was told was stored
# (201) is looked for in the database (which may hold a few more: those in
# flight when wrk stopped). Target with 5 % writes: at least 15 % of
# /healthz and p99 under 15 ms.
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
  # A failing command here would end the trap early (set -e), so none may.
  for pid in $server_pid $uncached_pid; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # The servers may still hold connections while they shut down.
  [ -n "$database" ] && { psql -q -h 127.0.0.1 -U postgres \
    -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true; }
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
# p99_ms WRK_OUTPUT -> the 99th percentile in milliseconds
p99_ms() {
  echo "$1" | awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}'
}
# measure PATH [BASE_URL]
measure() {
  local out
  out=$(wrk -t2 -c64 -d"${DURATION}s" --latency -H "Authorization: Bearer $token" "${2:-$api}$1")
  local rps p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(p99_ms "$out")
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

# ---------------------------------------------------------------------------
# The mixed run: many people, some of them writing.
echo "seeding 10 managers and 100 reps, a call and 20 comments each…" >&2
people="$work/people.txt"
: >"$people"
fixture=tests/fixtures/speech-8k-mono-s16.wav
for m in $(seq 10); do
  mid=$(curl -s "$api/v1/users" "${auth[@]}" -d "{\"email\": \"m$m@team.example\", \"name\": \"Manager $m\", \"role\": \"manager\"}" | jq -r .id)
  mtoken=$(curl -s "$api/v1/users/$mid/tokens" "${auth[@]}" -d '{"name": "bench"}' | jq -r .secret)
  team_calls=""
  for r in $(seq 10); do
    rid=$(curl -s "$api/v1/users" "${auth[@]}" -d "{\"email\": \"r$m-$r@team.example\", \"name\": \"Rep $m-$r\", \"role\": \"rep\", \"manager_id\": \"$mid\"}" | jq -r .id)
    rtoken=$(curl -s "$api/v1/users/$rid/tokens" "${auth[@]}" -d '{"name": "bench"}' | jq -r .secret)
    rauth=(-H "Authorization: Bearer $rtoken" -H 'Content-Type: application/json')
    cid=$(curl -s "$api/v1/calls" "${rauth[@]}" -d "{\"rep_id\": \"$rid\", \"title\": \"Call of rep $m-$r\"}" | jq -r .id)
    curl -s -o /dev/null -X PUT "$api/v1/calls/$cid/audio" -H "Authorization: Bearer $rtoken" \
      -H 'Content-Type: audio/wav' --data-binary @"$fixture"
    echo "$rtoken|$cid" >>"$people"
    team_calls="$team_calls${team_calls:+,}$cid"
  done
  echo "$mtoken|$team_calls" >>"$people"
done
for _ in $(seq 600); do
  [ "$(curl -s "$api/v1/calls?status=ready&limit=200" "${auth[@]}" | jq '.items | length')" -ge 101 ] && break
  sleep 0.5
done
while IFS='|' read -r ptoken pcalls; do
  case "$pcalls" in *,*) continue ;; esac
  for n in $(seq 20); do
    curl -s -o /dev/null "$api/v1/calls/$pcalls/comments" -H "Authorization: Bearer $ptoken" \
      -H 'Content-Type: application/json' -d "{\"at_ms\": $((n * 100)), \"body\": \"Seeded comment $n\", \"kind\": \"note\"}"
  done
done <"$people"

cat >"$work/mixed.lua" <<'LUA'
-- One request: a random person, over what they see; WRITE_SHARE of them
-- post a comment. Counts the comments answered 201 and any failure.
local people = {}
for line in io.lines(os.getenv("PEOPLE_FILE")) do
  local token, calls = line:match("([^|]+)|(.*)")
  local list = {}
  for c in calls:gmatch("[^,]+") do list[#list + 1] = c end
  people[#people + 1] = { token = token, calls = list }
end
local write_share = tonumber(os.getenv("WRITE_SHARE") or "0")
local threads = {}
local next_id = 0
setup = function(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end
init = function(args)
  math.randomseed(os.time() * 100 + (id or 0))
  created, failed = 0, 0
end
request = function()
  local p = people[math.random(#people)]
  local call = p.calls[math.random(#p.calls)]
  local headers = { ["Authorization"] = "Bearer " .. p.token }
  if math.random() < write_share then
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/v1/calls/" .. call .. "/comments", headers,
      '{"at_ms": 1000, "body": "A comment written under load", "kind": "note"}')
  end
  local pick = math.random(3)
  if pick == 1 then return wrk.format("GET", "/v1/calls/" .. call, headers) end
  if pick == 2 then return wrk.format("GET", "/v1/calls/" .. call .. "/comments", headers) end
  return wrk.format("GET", "/v1/calls", headers)
end
response = function(status, headers, body)
  if status == 201 then created = created + 1 elseif status >= 300 then failed = failed + 1 end
end
done = function(summary, latency, requests)
  local c, f = 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); f = f + t:get("failed") end
  io.write(string.format("created %d failed %d\n", c, f))
end
LUA

stored_comments() {
  if [ "$BACKEND" = postgres ]; then
    psql -qtA -h 127.0.0.1 -U postgres -d "$database" -c "SELECT count(*) FROM comments"
  else
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from comments').fetchone()[0])" \
      "$FILMROOM_DATA_DIR/filmroom.db"
  fi
}

# mixed BASE_URL WRITE_SHARE -> "rps p99 created"
mixed() {
  local before out rps p99 created failed after
  before=$(stored_comments)
  out=$(PEOPLE_FILE="$people" WRITE_SHARE="$2" wrk -t2 -c64 -d"${DURATION}s" --latency -s "$work/mixed.lua" "$1")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(p99_ms "$out")
  read -r created failed < <(echo "$out" | awk '/^created/ {print $2, $4}')
  [ "$failed" = 0 ] || { echo "the mixed run ($2 writing) had $failed failed requests" >&2; echo "$out" >&2; exit 1; }
  after=$(stored_comments)
  # Requests still in flight when wrk stops are answered to nobody, so the
  # database may hold a few more (at most one per connection), never fewer.
  [ $((after - before)) -ge "$created" ] && [ $((after - before - created)) -le 64 ] || {
    echo "wrk was told $created comments were stored, the database has $((after - before)) more" >&2; exit 1; }
  echo "$rps $p99 $created"
}
read -r m_health_rps m_health_p99 < <(measure /healthz)
read -r read_rps read_p99 _ < <(mixed "$api" 0)
read -r write_rps write_p99 written < <(mixed "$api" 0.05)
read -r cold_read_rps cold_read_p99 _ < <(mixed "$uncached" 0)
read -r cold_write_rps cold_write_p99 cold_written < <(mixed "$uncached" 0.05)
printf '\nmixed load on %s: 110 people, 64 connections, %ss each\n' "$BACKEND" "$DURATION"
printf '%-40s %10s %10s %8s\n' run req/s p99-ms share
printf '%-40s %10.0f %10.2f %8s\n' "GET /healthz" "$m_health_rps" "$m_health_p99" "100%"
for row in "reads only|$read_rps|$read_p99" "5 % writes ($written comments stored)|$write_rps|$write_p99" \
  "reads only, no cache|$cold_read_rps|$cold_read_p99" "5 % writes, no cache ($cold_written stored)|$cold_write_rps|$cold_write_p99"; do
  IFS='|' read -r name rps p99 <<<"$row"
  printf '%-40s %10.0f %10.2f %7.1f%%\n' "$name" "$rps" "$p99" "$(awk "BEGIN{print 100*$rps/$m_health_rps}")"
done
echo "target with 5 % writes: >= 15% of /healthz, p99 < 15 ms; every comment answered 201 is stored"

