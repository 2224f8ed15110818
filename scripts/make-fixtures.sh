#!/usr/bin/env bash
# Regenerates the audio fixtures in tests/fixtures/ from speech and tones, and
# records what ffprobe says about each in tests/fixtures/expected.json.
# Needs ffmpeg, ffprobe, sox and espeak-ng; installs them with apt when missing.
# The committed fixtures are small on purpose (a few hundred KB in all).
set -euo pipefail

cd "$(dirname "$0")/../tests/fixtures"

need=()
for tool in ffmpeg ffprobe sox espeak-ng; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ffmpeg sox espeak-ng" >&2
  apt-get update -qq && apt-get install -y -qq ffmpeg sox espeak-ng >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }

# Sources: a rep saying a line (left) and a customer-side tone (right), 3 s at 16 kHz.
espeak-ng -s 170 -w "$work/voice.wav" "Thanks for taking my call. Do you have two minutes to talk about your renewal?"
ff -i "$work/voice.wav" -af "apad,atrim=0:3" -ar 16000 -ac 1 "$work/rep-16k.wav"
sox -n -r 16000 -c 1 "$work/customer-16k.wav" synth 3 sine 440 vol 0.3
ff -i "$work/rep-16k.wav" -i "$work/customer-16k.wav" -filter_complex "[0][1]amerge=inputs=2" -ac 2 "$work/call-16k-stereo.wav"

# WAV, every PCM flavour filmroom accepts.
ff -i "$work/rep-16k.wav" -t 2 -ar 8000 -c:a pcm_s16le speech-8k-mono-s16.wav
ff -i "$work/call-16k-stereo.wav" -t 2 -ar 8000 -c:a pcm_mulaw speech-8k-stereo-mulaw.wav
ff -i "$work/rep-16k.wav" -t 2 -ar 8000 -c:a pcm_alaw speech-8k-mono-alaw.wav
ff -i "$work/rep-16k.wav" -t 2 -ar 8000 -c:a pcm_u8 speech-8k-mono-u8.wav
ff -i "$work/rep-16k.wav" -t 1 -ar 8000 -c:a pcm_s24le speech-8k-mono-s24.wav
ff -i "$work/rep-16k.wav" -t 1 -ar 8000 -c:a pcm_s32le speech-8k-mono-s32.wav
ff -i "$work/rep-16k.wav" -t 1 -ar 8000 -c:a pcm_f32le speech-8k-mono-f32.wav

# Compressed formats.
ff -i "$work/rep-16k.wav" -c:a libmp3lame -b:a 32k speech-16k-mono.mp3
ff -i "$work/call-16k-stereo.wav" -ar 8000 -c:a flac speech-8k-stereo.flac
ff -i "$work/rep-16k.wav" -c:a libvorbis -q:a 0 speech-16k-mono.ogg
ff -i "$work/rep-16k.wav" -c:a aac -b:a 32k speech-16k-mono.m4a
ff -i "$work/rep-16k.wav" -c:a libopus -b:a 16k speech-16k-mono.opus

# Tones at known offsets, for cutting clips: silence with 440 Hz at 1.5-2.0 s
# and 880 Hz at 3.5-4.0 s, 5 s in all.
sox -n -r 16000 -c 1 "$work/tone-a.wav" synth 0.5 sine 440 vol 0.5 pad 1.5 3.0
sox -n -r 16000 -c 1 "$work/tone-b.wav" synth 0.5 sine 880 vol 0.5 pad 3.5 1.0
sox -m "$work/tone-a.wav" "$work/tone-b.wav" "$work/tones-16k.wav"
ff -i "$work/tones-16k.wav" -ar 8000 -c:a pcm_s16le tones-8k-mono.wav
ff -i "$work/tones-16k.wav" -c:a libmp3lame -b:a 32k tones-16k-mono.mp3
ff -i "$work/tones-16k.wav" -c:a flac tones-16k-mono.flac
ff -i "$work/tones-16k.wav" -c:a aac -b:a 32k tones-16k-mono.m4a

# Damaged files.
# A FLAC with a run of garbage in the middle: the frames there fail their CRC.
cp speech-8k-stereo.flac corrupt-middle.flac
size=$(stat -c %s corrupt-middle.flac)
head -c 600 /dev/urandom | dd of=corrupt-middle.flac bs=1 seek=$((size / 2)) conv=notrunc status=none
# An MP3 cut off at 60%: the duration is what decodes, not what the header promised.
size=$(stat -c %s speech-16k-mono.mp3)
head -c $((size * 6 / 10)) speech-16k-mono.mp3 > truncated.mp3
# A WAV whose header claims 10 s of data while 1 s is there.
ff -i "$work/rep-16k.wav" -t 1 -ar 8000 -c:a pcm_s16le "$work/one-second.wav"
python3 - "$work/one-second.wav" lying-header.wav <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
i = data.index(b'data')
struct.pack_into('<I', data, i + 4, 8000 * 2 * 10)
struct.pack_into('<I', data, 4, len(data) - 8 + 8000 * 2 * 9)
open(sys.argv[2], 'wb').write(data)
PY
# Things that are not audio.
: > empty.wav
printf '%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' > not-audio.pdf
printf '<!DOCTYPE html>\n<html><body>Your download will start shortly</body></html>\n' > not-audio.html
# An Ogg container with nothing decodable but Opus in it is covered by the .opus file.

# What ffmpeg finds in each file, for the tests to compare with: the sample
# rate and channels ffprobe reports, and the duration of the audio ffmpeg
# actually decodes (after MP3/AAC encoder delay and padding are trimmed, and
# only as far as the data goes). ffprobe's container duration is recorded too;
# for MP3 it includes the encoder delay and padding.
{
  echo "{"
  first=1
  for f in *.wav *.mp3 *.flac *.ogg *.m4a *.opus; do
    [ -s "$f" ] || continue
    rate=$(ffprobe -v error -select_streams a:0 -show_entries stream=sample_rate -of default=nw=1:nk=1 "$f")
    channels=$(ffprobe -v error -select_streams a:0 -show_entries stream=channels -of default=nw=1:nk=1 "$f")
    container=$(ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "$f")
    bytes=$(ffmpeg -v quiet -i "$f" -map 0:a:0 -f s16le -c:a pcm_s16le - | wc -c)
    decoded=$(python3 -c "print(round($bytes / (2 * $channels) * 1000 / $rate))")
    probed=$(python3 -c "print(round(float('$container') * 1000))" 2>/dev/null || echo null)
    [ $first = 1 ] || echo ","
    first=0
    printf '  "%s": {"decoded_ms": %s, "ffprobe_ms": %s, "sample_rate": %s, "channels": %s}' \
      "$f" "$decoded" "$probed" "$rate" "$channels"
  done
  echo
  echo "}"
} > expected.json
ls -l
du -ch . | tail -1
