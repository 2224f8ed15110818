#!/usr/bin/env bash
# Benchmark: a 20-minute reel cut from four 60-minute MP3 calls, rendered by
# filmroom (GET /v1/one-on-ones/{id}/reel) and, in the same run, the same cuts
# and concatenation done by ffmpeg. Prints both times and the ratio.
# Target: at most 1.0x ffmpeg (the reel seeks; it does not decode from the start).
#   scripts/bench-reel.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_DIR=${BENCH_DIR:-$HOME/.cache/filmroom-bench}
mkdir -p "$BENCH_DIR"
for tool in ffmpeg curl jq; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq ffmpeg curl jq >/dev/null; }
done

echo "building filmroom (release)…" >&2
cargo build --release --locked -q -p filmroom-cli --bin filmroom
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
FILMROOM="$target_dir/release/filmroom"

# Four hour-long calls: the benchmark line over four different noise floors.
for n in 1 2 3 4; do
  call="$BENCH_DIR/reel-call-$n.mp3"
  [ -s "$call" ] && continue
  [ -s "$BENCH_DIR/line.wav" ] || espeak-ng -s 165 -w "$BENCH_DIR/line.wav" \
    "So what I am hearing is that the renewal depends on the pricing for the second year. Is that fair?"
  echo "generating $call…" >&2
  ffmpeg -hide_banner -loglevel error -y -stream_loop -1 -i "$BENCH_DIR/line.wav" \
    -f lavfi -i "anoisesrc=color=pink:amplitude=0.0$n:sample_rate=16000:seed=$n" \
    -filter_complex "[0]aresample=16000[v];[v][1]amix=inputs=2:duration=shortest" \
    -t 3600 -ar 16000 -ac 1 -c:a libmp3lame -b:a 32k "$call"
done

work=$(mktemp -d "$BENCH_DIR/reel.XXXXXX")
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export FILMROOM_DATA_DIR="$work/data"
"$FILMROOM" serve --listen 127.0.0.1:0 >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
api=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.log" | head -1)
admin=$("$FILMROOM" admin bootstrap --org Bench --email admin@bench.example --name Admin 2>/dev/null)
auth=(-H "Authorization: Bearer $admin" -H 'Content-Type: application/json')
manager=$(curl -s "$api/v1/users" "${auth[@]}" -d '{"email": "m@bench.example", "name": "M", "role": "manager"}' | jq -r .id)
rep=$(curl -s "$api/v1/users" "${auth[@]}" -d "{\"email\": \"r@bench.example\", \"name\": \"R\", \"role\": \"rep\", \"manager_id\": \"$manager\"}" | jq -r .id)
token=$(curl -s "$api/v1/users/$manager/tokens" "${auth[@]}" -d '{"name": "bench"}' | jq -r .secret)
mauth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')

calls=()
for n in 1 2 3 4; do
  id=$(curl -s "$api/v1/calls" "${mauth[@]}" -d "{\"rep_id\": \"$rep\"}" | jq -r .id)
  curl -s -o /dev/null -X PUT "$api/v1/calls/$id/audio" -H "Authorization: Bearer $token" \
    -H 'Content-Type: audio/mpeg' --data-binary "@$BENCH_DIR/reel-call-$n.mp3"
  calls+=("$id")
done
for id in "${calls[@]}"; do
  until [ "$(curl -s "$api/v1/calls/$id" "${mauth[@]}" | jq -r .status)" = ready ]; do sleep 0.5; done
done
curl -s -o /dev/null "$api/v1/one-on-one-series" "${mauth[@]}" \
  -d "{\"rep_id\": \"$rep\", \"weekday\": \"monday\", \"time\": \"09:00\", \"duration_minutes\": 30}"
meeting=$(curl -s "$api/v1/one-on-ones?rep=$rep" "${mauth[@]}" | jq -r '.items[0].id')
# Four 5-minute clips from deep inside each call: 20 minutes, the default budget.
starts=(600 1500 2400 3000)
for i in 0 1 2 3; do
  s=$(( starts[i] * 1000 ))
  curl -s -o /dev/null "$api/v1/one-on-ones/$meeting/clips" "${mauth[@]}" \
    -d "{\"call_id\": \"${calls[$i]}\", \"start_ms\": $s, \"end_ms\": $(( s + 300000 ))}"
done

# Best of three for each.
best() { sort -n | head -1; }
fr=$(for _ in 1 2 3; do
  curl -s -o "$work/reel.wav" -w '%{time_total}\n' "$api/v1/one-on-ones/$meeting/reel" -H "Authorization: Bearer $token"
done | best)
ff=$(for _ in 1 2 3; do
  start=$(date +%s.%N)
  ffmpeg -hide_banner -loglevel error -y -threads 1 \
    -ss "${starts[0]}" -t 300 -i "$BENCH_DIR/reel-call-1.mp3" \
    -ss "${starts[1]}" -t 300 -i "$BENCH_DIR/reel-call-2.mp3" \
    -ss "${starts[2]}" -t 300 -i "$BENCH_DIR/reel-call-3.mp3" \
    -ss "${starts[3]}" -t 300 -i "$BENCH_DIR/reel-call-4.mp3" \
    -f lavfi -t 0.5 -i anullsrc=r=16000:cl=mono \
    -filter_complex "[4]asplit=3[g1][g2][g3];[0][g1][1][g2][2][g3][3]concat=n=7:v=0:a=1" \
    -c:a pcm_s16le -f wav "$work/ffmpeg.wav"
  end=$(date +%s.%N)
  awk "BEGIN{print $end - $start}"
done | best)
size=$(stat -c %s "$work/reel.wav")
printf '%-32s %8.2f s  (%s bytes, %.1f min)\n' "filmroom GET …/reel" "$fr" "$size" "$(awk "BEGIN{print ($size-44)/2/16000/60}")"
printf '%-32s %8.2f s\n' "ffmpeg cut + concat (1 thread)" "$ff"
printf '%-32s %8.2fx\n' "ratio" "$(awk "BEGIN{print $fr / $ff}")"
