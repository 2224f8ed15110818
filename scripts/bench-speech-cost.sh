#!/usr/bin/env bash
# Benchmark: what speech detection adds to analysis. Runs `filmroom analyze`
# with and without it (`--no-speech`) on a 60-minute stereo 8 kHz WAV and a
# 60-minute 16 kHz MP3, beside `ffmpeg -threads 1` decoding the same files,
# all in the same run on the same machine.
#   scripts/bench-speech-cost.sh
# Targets: analysis with speech at most 1.15x analysis without it; the
# analysis child's peak RSS under 16 MiB whatever the length.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_DIR=${BENCH_DIR:-$HOME/.cache/filmroom-bench}
RUNS=${RUNS:-3}
mkdir -p "$BENCH_DIR"
for tool in ffmpeg espeak-ng /usr/bin/time; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq ffmpeg espeak-ng time >/dev/null; }
done

echo "building filmroom (release)…" >&2
cargo build --release --locked -q -p filmroom-cli --bin filmroom
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
FILMROOM="$target_dir/release/filmroom"

# An hour of two people taking turns: a rep's line looped on the left, a
# customer's on the right, offset so they mostly alternate, over line noise.
if [ ! -s "$BENCH_DIR/hour-8k-stereo.wav" ] || [ ! -s "$BENCH_DIR/hour-16k-mono.mp3" ]; then
  echo "generating 60-minute test recordings in $BENCH_DIR…" >&2
  espeak-ng -s 165 -w "$BENCH_DIR/rep-line.wav" \
    "So what I am hearing is that the renewal depends on the pricing for the second year. Is that fair?"
  espeak-ng -v en-gb+f3 -s 155 -w "$BENCH_DIR/customer-line.wav" \
    "Mostly yes, but finance will also want to see the usage numbers before we sign anything."
  ffmpeg -hide_banner -loglevel error -y \
    -stream_loop -1 -i "$BENCH_DIR/rep-line.wav" \
    -stream_loop -1 -i "$BENCH_DIR/customer-line.wav" \
    -f lavfi -i "anoisesrc=color=pink:amplitude=0.01:sample_rate=8000" \
    -f lavfi -i "anoisesrc=color=pink:amplitude=0.01:sample_rate=8000:seed=2" \
    -filter_complex "[0]aresample=8000,apad=pad_dur=6[r];[1]aresample=8000,adelay=6500,apad[c];[r][2]amix=inputs=2:duration=shortest,aformat=sample_fmts=fltp:channel_layouts=mono[l];[c][3]amix=inputs=2:duration=shortest,aformat=sample_fmts=fltp:channel_layouts=mono[rt];[l][rt]amerge=inputs=2" \
    -t 3600 -ar 8000 -ac 2 -c:a pcm_s16le "$BENCH_DIR/hour-8k-stereo.wav"
  ffmpeg -hide_banner -loglevel error -y -stream_loop -1 -i "$BENCH_DIR/rep-line.wav" \
    -f lavfi -i "anoisesrc=color=pink:amplitude=0.02:sample_rate=16000" \
    -filter_complex "[0]aresample=16000[v];[v][1]amix=inputs=2:duration=shortest" \
    -t 3600 -ar 16000 -ac 1 -c:a libmp3lame -b:a 32k "$BENCH_DIR/hour-16k-mono.mp3"
fi

# Best of $RUNS: "<seconds> <peak RSS KiB>".
measure() {
  local best_s="" best_kb=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$BENCH_DIR/time.out" "$@" >/dev/null 2>&1
    local out s kb
    out=$(tail -1 "$BENCH_DIR/time.out")
    s=${out% *} kb=${out#* }
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; fi
    if [ -z "$best_kb" ] || [ "$kb" -gt "$best_kb" ]; then best_kb=$kb; fi
  done
  echo "$best_s $best_kb"
}
mib() { awk "BEGIN{printf \"%.1f\", $1/1024}"; }

printf '%-22s %9s %13s %13s %9s %12s\n' file "ffmpeg s" "no speech s" "with speech s" "cost" "RSS (speech)"
for file in hour-8k-stereo.wav hour-16k-mono.mp3; do
  path="$BENCH_DIR/$file"
  read -r ff_s _ < <(measure ffmpeg -hide_banner -loglevel error -threads 1 -i "$path" -f null -)
  read -r plain_s plain_kb < <(measure "$FILMROOM" analyze --no-speech --peaks-out /dev/null "$path")
  read -r speech_s speech_kb < <(measure "$FILMROOM" analyze --peaks-out /dev/null --speech-out /dev/null "$path")
  cost=$(awk "BEGIN{printf \"%.2f\", $speech_s / $plain_s}")
  printf '%-22s %9s %13s %13s %8sx %8s MiB\n' "$file" "$ff_s" "$plain_s" "$speech_s" "$cost" "$(mib "$speech_kb")"
  echo "  (without speech: $(mib "$plain_kb") MiB peak RSS; with speech: $(awk "BEGIN{printf \"%.2f\", $speech_s / $ff_s}")x ffmpeg's decode)"
done
echo "(wall time: best of $RUNS; RSS: peak over the runs; cost: with / without speech detection)"
