#!/usr/bin/env bash
# Benchmark: `filmroom analyze` against ffmpeg's plain single-thread decode of
# the same files, measured in the same run on the same machine.
#   scripts/bench-analyze.sh   (FILMROOM_BIN=path: a built binary instead of
#   building the release one)
# Generates (once, cached in $BENCH_DIR) a 60-minute 16 kHz mono MP3 and a
# 60-minute 8 kHz mono WAV, then prints wall time and peak RSS of each tool
# and the ratio. Targets: analysis at most 0.8x ffmpeg's decode time, analysis
# peak RSS under 32 MiB whatever the length.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_DIR=${BENCH_DIR:-$HOME/.cache/filmroom-bench}
RUNS=${RUNS:-3}
mkdir -p "$BENCH_DIR"
for tool in ffmpeg /usr/bin/time; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq ffmpeg time >/dev/null; }
done

if [ -n "${FILMROOM_BIN:-}" ]; then
  FILMROOM=$FILMROOM_BIN
else
  echo "building filmroom (release)…" >&2
  cargo build --release --locked -q -p filmroom-cli --bin filmroom
  target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
  FILMROOM="$target_dir/release/filmroom"
fi

# An hour of something speech-like: a spoken line looped over soft noise.
if [ ! -s "$BENCH_DIR/hour-16k-mono.mp3" ] || [ ! -s "$BENCH_DIR/hour-8k-mono.wav" ]; then
  echo "generating 60-minute test recordings in $BENCH_DIR…" >&2
  espeak-ng -s 165 -w "$BENCH_DIR/line.wav" \
    "So what I am hearing is that the renewal depends on the pricing for the second year. Is that fair?"
  ffmpeg -hide_banner -loglevel error -y -stream_loop -1 -i "$BENCH_DIR/line.wav" \
    -f lavfi -i "anoisesrc=color=pink:amplitude=0.02:sample_rate=16000" \
    -filter_complex "[0]aresample=16000[v];[v][1]amix=inputs=2:duration=shortest" \
    -t 3600 -ar 16000 -ac 1 -c:a pcm_s16le "$BENCH_DIR/hour-16k.wav"
  ffmpeg -hide_banner -loglevel error -y -i "$BENCH_DIR/hour-16k.wav" -c:a libmp3lame -b:a 32k "$BENCH_DIR/hour-16k-mono.mp3"
  ffmpeg -hide_banner -loglevel error -y -i "$BENCH_DIR/hour-16k.wav" -ar 8000 -c:a pcm_s16le "$BENCH_DIR/hour-8k-mono.wav"
  rm -f "$BENCH_DIR/hour-16k.wav"
fi

# Best of $RUNS: "<seconds> <peak RSS KiB>".
measure() {
  local best_s="" best_kb=""
  for _ in $(seq "$RUNS"); do
    local out
    /usr/bin/time -f "%e %M" -o "$BENCH_DIR/time.out" "$@" >/dev/null 2>&1
    out=$(tail -1 "$BENCH_DIR/time.out")
    local s=${out% *} kb=${out#* }
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; fi
    if [ -z "$best_kb" ] || [ "$kb" -gt "$best_kb" ]; then best_kb=$kb; fi
  done
  echo "$best_s $best_kb"
}

printf '%-22s %10s %10s %12s %12s %8s\n' file "ffmpeg s" "analyze s" "ffmpeg RSS" "analyze RSS" ratio
for file in hour-16k-mono.mp3 hour-8k-mono.wav; do
  path="$BENCH_DIR/$file"
  read -r ff_s ff_kb < <(measure ffmpeg -hide_banner -loglevel error -threads 1 -i "$path" -f null -)
  read -r fr_s fr_kb < <(measure "$FILMROOM" analyze --peaks-out /dev/null "$path")
  ratio=$(awk "BEGIN{printf \"%.2f\", $fr_s / $ff_s}")
  printf '%-22s %10s %10s %9s MiB %9s MiB %7sx\n' "$file" "$ff_s" "$fr_s" \
    "$(awk "BEGIN{printf \"%.1f\", $ff_kb/1024}")" "$(awk "BEGIN{printf \"%.1f\", $fr_kb/1024}")" "$ratio"
done
echo "(wall time: best of $RUNS; RSS: peak over the runs; ratio: analyze / ffmpeg)"
