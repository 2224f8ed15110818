#!/usr/bin/env bash
# Benchmark: what speech detection adds to analysis. Runs `filmroom analyze`
# with and without it (`--no-speech`) on a 60-minute stereo 8 kHz WAV and a
# 60-minute 16 kHz MP3, beside `ffmpeg -threads 1` decoding the same files,
# all in the same run on the same machine. Then peer detectors from PyPI on
# the same files, one thread each (scripts/speech_bench.py): webrtcvad
# (mode 3, 30 ms frames) and silero-vad's ONNX model on onnxruntime, at
# 8 kHz on the WAV and 16 kHz on the MP3, both channels of the stereo file;
# and every detector's accuracy on the report set of
# scripts/bench-speech-accuracy.py, scored by one implementation.
#   scripts/bench-speech-cost.sh
# Environment: RUNS (best of, 3), MINUTES (file length, 60), DIALOGUES
# (report-set dialogues, 6), FILMROOM_BIN (a built binary instead of building
# the release one), BENCH_DIR (files and the peers' venv, ~/.cache/filmroom-bench).
# Targets: analysis with speech at most 1.0x ffmpeg's decode on the MP3 and
# 7.5x on the stereo WAV; the analysis child's peak RSS under 16 MiB
# whatever the length; at least 5x silero's speed at its accuracy or better.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_DIR=${BENCH_DIR:-$HOME/.cache/filmroom-bench}
RUNS=${RUNS:-3}
MINUTES=${MINUTES:-60}
DIALOGUES=${DIALOGUES:-6}
mkdir -p "$BENCH_DIR"
for tool in ffmpeg espeak-ng /usr/bin/time; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq ffmpeg espeak-ng time >/dev/null; }
done

if [ -n "${FILMROOM_BIN:-}" ]; then
  FILMROOM=$FILMROOM_BIN
else
  echo "building filmroom (release)…" >&2
  cargo build --release --locked -q -p filmroom-cli --bin filmroom
  target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
  FILMROOM="$target_dir/release/filmroom"
fi

# The peers, pinned (versions with wheels for Python 3.11). silero-vad only for
# its ONNX model: --no-deps leaves out torch.
VENV="$BENCH_DIR/venv"
PINS="numpy==2.4.6 onnxruntime==1.32.0 flatbuffers==25.12.19 packaging==26.4 protobuf==7.36.2 webrtcvad-wheels==2.0.14.post1"
NO_DEPS_PINS="silero-vad==6.2.3"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" 2>/dev/null || {
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && python3 -m venv "$VENV"
  }
fi
if [ "$(cat "$VENV/pins" 2>/dev/null)" != "$PINS $NO_DEPS_PINS" ]; then
  echo "installing the peer detectors…" >&2
  # shellcheck disable=SC2086
  "$VENV/bin/pip" install -q --disable-pip-version-check $PINS
  # shellcheck disable=SC2086
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps $NO_DEPS_PINS
  echo "$PINS $NO_DEPS_PINS" >"$VENV/pins"
fi
PY="$VENV/bin/python"
PEERS=(webrtcvad silero)

# An hour of two people taking turns: a rep's line on the left, then a
# customer's on the right, over line noise; and an hour of one voice that
# barely pauses, as MP3.
if [ "$MINUTES" = 60 ]; then stem=hour; else stem=${MINUTES}min; fi
STEREO=$stem-8k-stereo-turns.wav MP3=$stem-16k-mono-voice.mp3
if [ ! -s "$BENCH_DIR/$STEREO" ] || [ ! -s "$BENCH_DIR/$MP3" ]; then
  echo "generating $MINUTES-minute test recordings in $BENCH_DIR…" >&2
  espeak-ng -s 165 -w "$BENCH_DIR/rep-line.wav" \
    "So what I am hearing is that the renewal depends on the pricing for the second year. Is that fair?"
  espeak-ng -v en-gb+f3 -s 155 -w "$BENCH_DIR/customer-line.wav" \
    "Mostly yes, but finance will also want to see the usage numbers before we sign anything."
  # One 13-second turn per side (the rep speaks, then the customer), each
  # looped: padding a looped input would never end, so the turns are made
  # first.
  ffmpeg -hide_banner -loglevel error -y -i "$BENCH_DIR/rep-line.wav" \
    -af "aresample=8000,apad=whole_dur=13" -ar 8000 "$BENCH_DIR/rep-turn.wav"
  ffmpeg -hide_banner -loglevel error -y -i "$BENCH_DIR/customer-line.wav" \
    -af "aresample=8000,adelay=6500,apad=whole_dur=13" -ar 8000 "$BENCH_DIR/customer-turn.wav"
  ffmpeg -hide_banner -loglevel error -y \
    -stream_loop -1 -i "$BENCH_DIR/rep-turn.wav" \
    -stream_loop -1 -i "$BENCH_DIR/customer-turn.wav" \
    -f lavfi -i "anoisesrc=color=pink:amplitude=0.01:sample_rate=8000" \
    -f lavfi -i "anoisesrc=color=pink:amplitude=0.01:sample_rate=8000:seed=2" \
    -filter_complex "[0][2]amix=inputs=2:duration=shortest,aformat=sample_fmts=fltp:channel_layouts=mono[l];[1][3]amix=inputs=2:duration=shortest,aformat=sample_fmts=fltp:channel_layouts=mono[rt];[l][rt]amerge=inputs=2" \
    -t $((MINUTES * 60)) -ar 8000 -ac 2 -c:a pcm_s16le "$BENCH_DIR/$STEREO"
  ffmpeg -hide_banner -loglevel error -y -stream_loop -1 -i "$BENCH_DIR/rep-line.wav" \
    -f lavfi -i "anoisesrc=color=pink:amplitude=0.02:sample_rate=16000" \
    -filter_complex "[0]aresample=16000[v];[v][1]amix=inputs=2:duration=shortest" \
    -t $((MINUTES * 60)) -ar 16000 -ac 1 -c:a libmp3lame -b:a 32k "$BENCH_DIR/$MP3"
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
declare -A speech_time
for file in "$STEREO" "$MP3"; do
  path="$BENCH_DIR/$file"
  read -r ff_s _ < <(measure ffmpeg -hide_banner -loglevel error -threads 1 -i "$path" -f null -)
  read -r plain_s plain_kb < <(measure "$FILMROOM" analyze --no-speech --peaks-out /dev/null "$path")
  read -r speech_s speech_kb < <(measure "$FILMROOM" analyze --peaks-out /dev/null --speech-out /dev/null "$path")
  cost=$(awk "BEGIN{printf \"%.2f\", $speech_s / $plain_s}")
  printf '%-22s %9s %13s %13s %8sx %8s MiB\n' "$file" "$ff_s" "$plain_s" "$speech_s" "$cost" "$(mib "$speech_kb")"
  echo "  (without speech: $(mib "$plain_kb") MiB peak RSS; with speech: $(awk "BEGIN{printf \"%.2f\", $speech_s / $ff_s}")x ffmpeg's decode)"
  speech_time[$file]=$speech_s
done
echo "(wall time: best of $RUNS; RSS: peak over the runs; cost: with / without speech detection)"

# Minutes of speech found per channel in a speech JSON.
found() {
  "$PY" -c 'import json, sys
print(" / ".join(f"{sum(e - s for s, e in ch) / 60000:.1f}" for ch in json.load(open(sys.argv[1]))["channels"]))' "$1"
}

echo
echo "peers on the same files: one thread, decoding by ffmpeg -threads 1 streamed into Python"
echo "(interpreter start and model load included); webrtcvad mode 3, 30 ms frames; silero-vad"
echo "ONNX on onnxruntime, 32 ms windows, the channels batched; both at 8 kHz on the WAV, 16 kHz on the MP3"
printf '%-22s %-10s %9s %9s %12s %s\n' file detector "wall s" "RSS MiB" "filmroom is" "speech min (ch1 / ch2)"
declare -A silero_time
for file in "$STEREO" "$MP3"; do
  path="$BENCH_DIR/$file"
  "$FILMROOM" analyze --peaks-out /dev/null --speech-out "$BENCH_DIR/speech-filmroom.json" "$path" >/dev/null
  printf '%-22s %-10s %9s %9s %12s %s\n' "$file" filmroom "${speech_time[$file]}" "" "" "$(found "$BENCH_DIR/speech-filmroom.json")"
  for peer in "${PEERS[@]}"; do
    read -r peer_s peer_kb < <(measure "$PY" scripts/speech_bench.py detect "$peer" "$path" --out "$BENCH_DIR/speech-$peer.json")
    ratio=$(awk "BEGIN{printf \"%.1fx\", $peer_s / ${speech_time[$file]}}")
    printf '%-22s %-10s %9s %9s %12s %s\n' "" "$peer" "$peer_s" "$(mib "$peer_kb")" "$ratio" "$(found "$BENCH_DIR/speech-$peer.json")"
    if [ "$peer" = silero ]; then silero_time[$file]=$peer_s; fi
  done
done
echo "(wall time: best of $RUNS; filmroom is: the peer's time / filmroom analyze with speech)"

echo
echo "accuracy, report set of scripts/bench-speech-accuracy.py ($DIALOGUES dialogues, each at 30, 20 and 12 dB):"
FILMROOM_BIN="$FILMROOM" "$PY" scripts/bench-speech-accuracy.py --set report --dialogues "$DIALOGUES" \
  --detector filmroom,webrtcvad,silero --summary

echo
for file in "$STEREO" "$MP3"; do
  echo "$file: filmroom is $(awk "BEGIN{printf \"%.1f\", ${silero_time[$file]} / ${speech_time[$file]}}")x silero's speed (${speech_time[$file]} s against ${silero_time[$file]} s)"
done
echo "target: at least 5x silero's speed at its accuracy or better (accuracy: the side-by-side table above)"
