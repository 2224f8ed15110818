#!/usr/bin/env bash
# Benchmark: streaming a 1 GiB recording into `filmroom serve` (embedded
# default: SQLite + local disk) against `cp` of the same file, in one run.
#   scripts/bench-upload.sh
# Prints the upload's MB/s beside cp's, and the server's peak RSS growth
# while receiving it. Targets: RSS growth under 64 MiB, at least half of cp's
# throughput.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_DIR=${BENCH_DIR:-$HOME/.cache/filmroom-bench}
SIZE_MIB=${SIZE_MIB:-1024}
mkdir -p "$BENCH_DIR"
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }

echo "building filmroom (release)…" >&2
cargo build --release --locked -q -p filmroom-cli --bin filmroom
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
FILMROOM="$target_dir/release/filmroom"

file="$BENCH_DIR/upload-${SIZE_MIB}MiB.wav"
if [ ! -s "$file" ]; then
  echo "writing a ${SIZE_MIB} MiB WAV to $file…" >&2
  python3 - "$file" "$SIZE_MIB" <<'PY'
import struct, sys
path, mib = sys.argv[1], int(sys.argv[2])
data = mib * 1024 * 1024 - 44
with open(path, 'wb') as f:
    f.write(b'RIFF' + struct.pack('<I', data + 36) + b'WAVEfmt ' + struct.pack('<IHHIIHH', 16, 1, 1, 8000, 16000, 2, 16))
    f.write(b'data' + struct.pack('<I', data))
    chunk = bytes(range(256)) * 4096
    left = data
    while left > 0:
        n = min(left, len(chunk))
        f.write(chunk[:n])
        left -= n
PY
fi
bytes=$(stat -c %s "$file")

work=$(mktemp -d "$BENCH_DIR/run.XXXXXX")
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# cp of the same file onto the same disk, page cache warm for both.
cat "$file" >/dev/null
start=$(date +%s.%N); cp "$file" "$work/copy.wav"; sync; end=$(date +%s.%N)
rm -f "$work/copy.wav"
cp_mbs=$(awk "BEGIN{printf \"%.0f\", $bytes / 1e6 / ($end - $start)}")

export FILMROOM_DATA_DIR="$work/data"
"$FILMROOM" serve --listen 127.0.0.1:0 --no-worker >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
api=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.log" | head -1)
token=$("$FILMROOM" admin bootstrap --org Bench --email bench@example.com --name Bench 2>/dev/null)
me=$(curl -s "$api/v1/me" -H "Authorization: Bearer $token" | sed -n 's/.*"user":{"id":"\([^"]*\)".*/\1/p')
call=$(curl -s "$api/v1/calls" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"rep_id\": \"$me\"}" | sed -n 's/^{"id":"\([^"]*\)".*/\1/p')

rss_before=$(awk '/VmRSS/{print $2}' "/proc/$server_pid/status")
# Reset the high-water mark so VmHWM measures this upload alone.
echo 5 > "/proc/$server_pid/clear_refs" 2>/dev/null || true
# Timed like cp above: until the bytes are on disk.
start=$(date +%s.%N)
status=$(curl -s -o "$work/reply.json" -w '%{http_code}' -X PUT \
  -H "Authorization: Bearer $token" -H 'Content-Type: audio/wav' -T "$file" "$api/v1/calls/$call/audio")
sync
end=$(date +%s.%N)
seconds=$(awk "BEGIN{print $end - $start}")
hwm=$(awk '/VmHWM/{print $2}' "/proc/$server_pid/status")
[ "$status" = 200 ] || { echo "upload failed with $status: $(cat "$work/reply.json")" >&2; exit 1; }
upload_mbs=$(awk "BEGIN{printf \"%.0f\", $bytes / 1e6 / $seconds}")
growth=$(awk "BEGIN{printf \"%.1f\", ($hwm - $rss_before) / 1024}")

printf '%-28s %10s\n' "file" "$(awk "BEGIN{printf \"%.0f MiB\", $bytes/1048576}")"
printf '%-28s %10s MB/s\n' "cp" "$cp_mbs"
printf '%-28s %10s MB/s (%s of cp)\n' "PUT /v1/calls/{id}/audio" "$upload_mbs" "$(awk "BEGIN{printf \"%.2fx\", $upload_mbs / $cp_mbs}")"
printf '%-28s %10s MiB (peak RSS %s MiB, before %s MiB)\n' "server RSS growth" "$growth" \
  "$(awk "BEGIN{printf \"%.1f\", $hwm/1024}")" "$(awk "BEGIN{printf \"%.1f\", $rss_before/1024}")"
