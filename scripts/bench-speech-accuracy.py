#!/usr/bin/env python3
"""How well filmroom finds who spoke when, against dialogues with known truth.

    scripts/bench-speech-accuracy.py [--dialogues 6] [--seed 7]

Generates two-party dialogues the way a dialer records them: the rep on
channel 1 and the customer on channel 2, two espeak-ng voices, 8 kHz mu-law
like a phone line, with background noise, pauses of known length, a few
overlaps and one stretch of dead air. The truth is known by construction:
each line's voiced stretch in the clean synthetic speech, split where it
pauses for 300 ms or more, dropping stretches under 200 ms (the product's
definition of a segment).

It runs `filmroom analyze --speech-out` (the analysis the worker runs) on
each file and prints, per dialogue and overall:
  - talk ratio error, percentage points      target: within +-3
  - segment boundary F1 at 100 ms tolerance  target: at least 0.90
  - patience error, ms                       target: within +-150
and the same figures on the committed stereo and mono fixtures, whose truth
is the voiced stretch of their own clean decode.

Talk ratio and patience follow the README's definitions; one function here
computes them from the truth and from the detection alike, so the figures
measure the detector, not two readings of the definitions.

Needs ffmpeg and espeak-ng (installed with apt when missing) and builds the
release binary. Prints figures; it is a benchmark, not a test.
"""

import argparse
import array
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATE = 8000
FRAME = RATE // 100  # 10 ms
MIN_PAUSE_MS = 300
MIN_SPEECH_MS = 200
TOLERANCE_MS = 100

REP_LINES = [
    "thanks for picking up I will keep this short",
    "what made you look at new tools this quarter",
    "how does your team handle renewals today",
    "who else would need to sign off on a change like this",
    "that makes sense and what happens if nothing changes",
    "I can send over a proposal by Thursday",
    "would a thirty minute demo next week work for you",
    "so the main concern is the price in year two",
]
CUSTOMER_LINES = [
    "sure I have a few minutes",
    "honestly the old system is slow and nobody trusts the numbers",
    "we mostly do it by hand in spreadsheets",
    "my director and probably finance",
    "we would keep losing deals at the last step",
    "yes that works",
    "Tuesday afternoon is better for us",
    "right the first year looks fine",
]


def need_tools():
    missing = [t for t in ("ffmpeg", "espeak-ng") if shutil.which(t) is None]
    if missing:
        print(f"installing {' '.join(missing)}…", file=sys.stderr)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "ffmpeg", "espeak-ng"], check=True,
                       stdout=subprocess.DEVNULL)


def filmroom_binary():
    print("building filmroom (release)…", file=sys.stderr)
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "-p", "filmroom-cli",
                    "--bin", "filmroom"], cwd=ROOT, check=True)
    meta = json.loads(subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                                     cwd=ROOT, check=True, capture_output=True).stdout)
    return Path(meta["target_directory"]) / "release" / "filmroom"


def decode(path, channel=None):
    """A file's samples at 8 kHz as 16-bit ints (one channel, or the mono mix)."""
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(path)]
    if channel is not None:
        args += ["-af", f"pan=mono|c0=c{channel}"]
    args += ["-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"]
    raw = subprocess.run(args, check=True, capture_output=True).stdout
    samples = array.array("h")
    samples.frombytes(raw[: len(raw) // 2 * 2])
    return samples


def voiced_segments(samples, offset_ms=0):
    """Voiced stretches of clean speech, ms: 10 ms frames above 2 % of the
    loudest frame, split at pauses of 300 ms or more; under 200 ms is not a
    segment (the product's definitions)."""
    rms = []
    for i in range(0, len(samples), FRAME):
        chunk = samples[i:i + FRAME]
        rms.append(math.sqrt(sum(s * s for s in chunk) / max(len(chunk), 1)))
    loudest = max(rms, default=0.0)
    if loudest == 0:
        return []
    segments = []
    for i, level in enumerate(rms):
        if level <= loudest * 0.02:
            continue
        start, end = i * 10 + offset_ms, (i + 1) * 10 + offset_ms
        if segments and start - segments[-1][1] < MIN_PAUSE_MS:
            segments[-1][1] = end
        else:
            segments.append([start, end])
    return [s for s in segments if s[1] - s[0] >= MIN_SPEECH_MS]


def speak(text, voice, speed, workdir, cache):
    """A line spoken by espeak-ng at 8 kHz, trimmed to its voiced stretch,
    with its segments relative to its own start."""
    key = (text, voice, speed)
    if key not in cache:
        wav = Path(workdir) / f"line-{len(cache)}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text],
                       check=True)
        samples = decode(wav)
        segments = voiced_segments(samples)
        first, last = segments[0][0], segments[-1][1]
        trimmed = samples[first * RATE // 1000:last * RATE // 1000]
        cache[key] = (trimmed, [[s - first, e - first] for s, e in segments])
    return cache[key]


def dialogue(rng, workdir, cache):
    """Two channels of speech with their true segments and who spoke when."""
    lanes = [[], []]  # (start_ms, samples)
    truth = [[], []]
    cursor = 800
    dead_air_at = rng.randrange(4, 8)
    for turn in range(12):
        lane = turn % 2
        voice, lines, speed = (("en-us", REP_LINES, 175) if lane == 0
                               else ("en-gb+f3", CUSTOMER_LINES, 160))
        if turn > 0:
            if turn == dead_air_at:
                cursor += 6000
            elif rng.random() < 0.2:
                cursor -= rng.randrange(300, 700)  # talks over the end of the last line
            else:
                cursor += rng.randrange(300, 1500)
        for part in range(rng.choice([1, 1, 2])):
            if part:
                cursor += rng.randrange(400, 900)
            samples, segments = speak(rng.choice(lines), voice, speed, workdir, cache)
            lanes[lane].append((cursor, samples))
            truth[lane] += [[cursor + s, cursor + e] for s, e in segments]
            cursor += len(samples) * 1000 // RATE
    duration_ms = cursor + 1500
    return lanes, truth, duration_ms


def write_phone_call(lanes, duration_ms, path, rng, workdir):
    """Mixes the lanes into a noisy stereo 16-bit WAV, then makes it 8 kHz mu-law."""
    frames = duration_ms * RATE // 1000
    channels = [array.array("h", bytes(2 * frames)) for _ in range(2)]
    for channel, placed in zip(channels, lanes):
        for start_ms, samples in placed:
            first = start_ms * RATE // 1000
            for i, s in enumerate(samples[: max(0, frames - first)]):
                channel[first + i] = max(-32768, min(32767, channel[first + i] + s))
    # Line noise about 25 dB under the speech.
    for channel in channels:
        loud = [abs(s) for s in channel if s]
        level = (sum(loud) / len(loud) if loud else 1000) / 18
        for i in range(frames):
            channel[i] = max(-32768, min(32767, channel[i] + int(rng.gauss(0, level))))
    pcm = array.array("h", bytes(4 * frames))
    pcm[0::2] = channels[0]
    pcm[1::2] = channels[1]
    linear = Path(workdir) / "linear.wav"
    with wave.open(str(linear), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(linear),
                    "-c:a", "pcm_mulaw", str(path)], check=True)


def detect(binary, path, workdir):
    out = Path(workdir) / "speech.json"
    subprocess.run([str(binary), "analyze", "--speech-out", str(out), str(path)], check=True,
                   stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())["channels"]


def turns(rep, customer):
    """A speaker's segments with no segment of the other's starting between them."""
    tagged = sorted([(s, 0, e) for s, e in rep] + [(s, 1, e) for s, e in customer])
    merged = []
    for start, lane, end in tagged:
        if merged and merged[-1][1] == lane:
            merged[-1][2] = max(merged[-1][2], end)
        else:
            merged.append([start, lane, end])
    return merged


def talk_ratio(rep, customer):
    spoken = [sum(e - s for s, e in lane) for lane in (rep, customer)]
    return spoken[0] / sum(spoken) if sum(spoken) else None


def patience(rep, customer):
    """Mean gap from the customer's turn ending to the rep's turn starting."""
    t = turns(rep, customer)
    gaps = [b[0] - a[2] for a, b in zip(t, t[1:]) if a[1] == 1 and b[1] == 0 and b[0] >= a[2]]
    return sum(gaps) / len(gaps) if gaps else None


def boundary_f1(truth, found):
    """F1 of segment starts and ends found within 100 ms of a true one (one to one)."""
    hits = true_count = found_count = 0
    for kind in (0, 1):
        for lane_truth, lane_found in zip(truth, found):
            wanted = sorted(seg[kind] for seg in lane_truth)
            got = sorted(seg[kind] for seg in lane_found)
            true_count += len(wanted)
            found_count += len(got)
            used = set()
            for t in wanted:
                best = None
                for i, g in enumerate(got):
                    if i not in used and abs(g - t) <= TOLERANCE_MS and (
                            best is None or abs(g - t) < abs(got[best] - t)):
                        best = i
                if best is not None:
                    used.add(best)
                    hits += 1
    if not true_count and not found_count:
        return 1.0
    precision = hits / found_count if found_count else 0.0
    recall = hits / true_count if true_count else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score(truth, found):
    rep_truth, customer_truth = (truth + [[]])[:2]
    rep_found, customer_found = (found + [[]])[:2]
    tr_true, tr_found = talk_ratio(rep_truth, customer_truth), talk_ratio(rep_found, customer_found)
    p_true, p_found = patience(rep_truth, customer_truth), patience(rep_found, customer_found)
    return {
        "talk_pp": None if tr_true is None or tr_found is None else (tr_found - tr_true) * 100,
        "f1": boundary_f1(truth, found[: len(truth)]),
        "patience_ms": None if p_true is None or p_found is None else p_found - p_true,
        "segments": (sum(map(len, truth)), sum(map(len, found[: len(truth)]))),
    }


def row(name, s):
    talk = "—" if s["talk_pp"] is None else f"{s['talk_pp']:+.1f}"
    pat = "—" if s["patience_ms"] is None else f"{s['patience_ms']:+.0f}"
    true_n, found_n = s["segments"]
    print(f"{name:<34} {talk:>10} {s['f1']:>8.3f} {pat:>12} {true_n:>6} {found_n:>6}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogues", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", help="keep the generated WAVs in this directory")
    args = parser.parse_args()
    need_tools()
    binary = filmroom_binary()
    rng = random.Random(args.seed)
    cache = {}
    header = f"{'recording':<34} {'talk pp':>10} {'F1@100ms':>8} {'patience ms':>12} {'true':>6} {'found':>6}"
    print(header)
    print("-" * len(header))
    worst = {"talk_pp": 0.0, "f1": 1.0, "patience_ms": 0.0}
    with tempfile.TemporaryDirectory() as workdir:
        for n in range(args.dialogues):
            lanes, truth, duration_ms = dialogue(rng, workdir, cache)
            path = Path(args.keep or workdir) / f"dialogue-{n + 1}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            write_phone_call(lanes, duration_ms, path, rng, workdir)
            s = score(truth, detect(binary, path, workdir))
            row(f"dialogue {n + 1} ({duration_ms / 1000:.0f} s, mu-law, noise)", s)
            worst["talk_pp"] = max(worst["talk_pp"], abs(s["talk_pp"] or 0.0))
            worst["f1"] = min(worst["f1"], s["f1"])
            worst["patience_ms"] = max(worst["patience_ms"], abs(s["patience_ms"] or 0.0))
        print("-" * len(header))
        print(f"{'worst dialogue':<34} {worst['talk_pp']:>10.1f} {worst['f1']:>8.3f} "
              f"{worst['patience_ms']:>12.0f}")
        verdict = (worst["talk_pp"] <= 3.0, worst["f1"] >= 0.9, worst["patience_ms"] <= 150)
        print(f"targets: talk ratio within 3 pp {'met' if verdict[0] else 'MISSED'}, "
              f"F1 at least 0.90 {'met' if verdict[1] else 'MISSED'}, "
              f"patience within 150 ms {'met' if verdict[2] else 'MISSED'}")
        print()
        print("committed fixtures (truth: the voiced stretch of their own decode)")
        fixtures = ROOT / "tests" / "fixtures"
        for name, channels in [("speech-8k-stereo-mulaw.wav", 2), ("speech-8k-stereo.flac", 2),
                               ("speech-8k-mono-s16.wav", 1), ("speech-8k-mono-alaw.wav", 1),
                               ("speech-16k-mono.mp3", 1)]:
            path = fixtures / name
            # Channel 2 of the stereo fixtures is a steady 440 Hz tone: no speech.
            truth = [voiced_segments(decode(path, 0 if channels == 2 else None))]
            if channels == 2:
                truth.append([])
            row(name, score(truth, detect(binary, path, workdir)))
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
