#!/usr/bin/env python3
"""How well filmroom finds who spoke when, against dialogues with known truth.

    scripts/bench-speech-accuracy.py [--set tune|report] [--dialogues 6] [--seed 0]
        [--detector filmroom,webrtcvad,silero] [--summary] [--keep DIR [--json PATH]]

Generates two-party dialogues the way a dialer records them: the rep on
channel 1 and the customer on channel 2. Each dialogue draws from its own
seeded RNG two different espeak-ng voices with their own speed (130-190
words a minute) and pitch (30-70), pauses of 0.2 to 2.5 s, overlaps (at
least one where the customer starts before the rep has finished), one 5 to
8 s stretch of dead air, and its codec: even seeds 8 kHz mu-law, odd seeds
16 kHz 16-bit PCM, so both appear in any two consecutive dialogues. Each
dialogue is written at three line-noise levels, 30, 20 and 12 dB below the
speech: per channel, white noise whose RMS is that many dB under the RMS of
the channel's clean speech inside its true segments (its active speech),
added before encoding.

The truth is known by construction: each line's voiced stretch in the clean
synthetic speech (10 ms frames above 2 % of its loudest), and the product's
segment rules on each channel (pauses under 300 ms joined, segments under
200 ms dropped).

Seed sets are disjoint: `--set tune` (the default) uses seeds 1000-1999 and
`--set report` 2000-2999 (dialogue n of a run is seed base + --seed + n).
Tune constants on the tune set only; the README reports the report set.

Runs each detector on every file: `filmroom analyze --speech-out` (the
analysis the worker runs), and the peers `webrtcvad` and `silero`, which need
the venv scripts/bench-speech-cost.sh makes (run this script with its
python); their frame decisions become segments by the same segment rules,
with no edge correction. Prints per dialogue, and per noise level the worst
over the dialogues of each figure (`--summary`: only these):
  - talk ratio error, percentage points      target: within +-3
  - segment boundary F1 at 100 ms tolerance  target: at least 0.90
  - patience error, ms                       target: within +-150
with PASS/FAIL for 20 dB and above; 12 dB is reported without a target.
Then the same figures on the committed stereo and mono fixtures, whose truth
is the voiced stretch of their own clean decode.

scripts/speech_bench.py holds the one implementation of the segment rules,
talk ratio, patience and boundary F1 (the README's definitions), applied to
the truth and to every detector alike, so the figures measure the detector,
not two readings of the definitions.

`--json PATH` (with `--keep DIR`) writes the set: per dialogue its seed,
codec, voices, the kept files per noise level and the truth segments per
channel in ms, for scoring other detectors on the very same files.

Needs ffmpeg and espeak-ng (installed with apt when missing). Builds the
release binary unless FILMROOM_BIN names one. Prints figures; it is a
benchmark, not a test.
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

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
import speech_bench  # noqa: E402
from speech_bench import join_segments, score  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RATE = 8000  # the rate the truth is read at
FRAME = RATE // 100  # 10 ms
SETS = {"tune": 1000, "report": 2000}
SET_SIZE = 1000
NOISE_DB = (30, 20, 12)
GATED_DB = (30, 20)
TARGETS = {"talk_pp": 3.0, "f1": 0.9, "patience_ms": 150.0}
CODECS = [("mu-law 8 kHz", 8000, "pcm_mulaw"), ("PCM 16 kHz", 16000, "pcm_s16le")]
VOICES = ["en-us", "en-gb", "en+m3", "en+m7", "en+f2", "en-gb+f3", "en-us+f4",
          "en-gb-scotland", "en-029+m3", "en-gb-x-rp+f5"]

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
    """FILMROOM_BIN when set, else the release binary, built."""
    if os.environ.get("FILMROOM_BIN"):
        binary = Path(os.environ["FILMROOM_BIN"])
        if not binary.is_file():
            sys.exit(f"FILMROOM_BIN={binary} is not a file")
        return binary
    print("building filmroom (release)…", file=sys.stderr)
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "-p", "filmroom-cli",
                    "--bin", "filmroom"], cwd=ROOT, check=True)
    meta = json.loads(subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                                     cwd=ROOT, check=True, capture_output=True).stdout)
    return Path(meta["target_directory"]) / "release" / "filmroom"


def decode(path, channel=None, rate=RATE):
    """A file's samples as 16-bit ints (one channel, or the mono mix)."""
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(path)]
    if channel is not None:
        args += ["-af", f"pan=mono|c0=c{channel}"]
    args += ["-ac", "1", "-ar", str(rate), "-f", "s16le", "-"]
    raw = subprocess.run(args, check=True, capture_output=True).stdout
    samples = array.array("h")
    samples.frombytes(raw[: len(raw) // 2 * 2])
    return samples


def voiced_segments(samples):
    """Voiced stretches of clean 8 kHz speech, ms: 10 ms frames above 2 % of
    the loudest frame, by the product's segment rules."""
    rms = []
    for i in range(0, len(samples), FRAME):
        chunk = samples[i:i + FRAME]
        rms.append(math.sqrt(sum(s * s for s in chunk) / max(len(chunk), 1)))
    loudest = max(rms, default=0.0)
    if loudest == 0:
        return []
    return join_segments([[i * 10, (i + 1) * 10] for i, level in enumerate(rms)
                          if level > loudest * 0.02])


class Lines:
    """Lines spoken by espeak-ng, each trimmed to its voiced stretch."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.spoken = {}
        self.audio = {}

    def speak(self, text, voice):
        """(key, duration ms, segments from the line's start) of a line."""
        key = (text,) + tuple(voice.values())
        if key not in self.spoken:
            wav = self.workdir / f"line-{len(self.spoken)}.wav"
            subprocess.run(["espeak-ng", "-v", voice["voice"], "-s", str(voice["speed"]),
                            "-p", str(voice["pitch"]), "-w", str(wav), text], check=True)
            segments = voiced_segments(decode(wav))
            first, last = segments[0][0], segments[-1][1]
            self.spoken[key] = (wav, first, last, [[s - first, e - first] for s, e in segments])
        _, first, last, segments = self.spoken[key]
        return key, last - first, segments

    def samples(self, key, rate):
        if (key, rate) not in self.audio:
            wav, first, last, _ = self.spoken[key]
            self.audio[key, rate] = decode(wav, rate=rate)[first * rate // 1000:
                                                           last * rate // 1000]
        return self.audio[key, rate]


def dialogue(seed, lines):
    """A dialogue's plan from its seed: codec, voices, the lines placed on the
    two lanes, and the true segments per lane."""
    rng = random.Random(seed)
    codec = CODECS[seed % 2]
    names = rng.sample(VOICES, 2)
    voices = [{"voice": name, "speed": rng.randint(130, 190), "pitch": rng.randint(30, 70)}
              for name in names]
    placed = [[], []]  # (start_ms, line key)
    truth = [[], []]
    lane_end = [-10_000, -10_000]
    turn_count = 12
    dead_air_at = rng.randrange(3, turn_count)
    customer_overlap_at = rng.choice([t for t in range(1, turn_count, 2) if t != dead_air_at])
    cursor = rng.randint(300, 1500)
    last_length = 0
    for turn in range(turn_count):
        lane = turn % 2
        if turn:
            if turn == dead_air_at:
                cursor += rng.randint(5000, 8000)
            elif turn == customer_overlap_at or rng.random() < 0.15:
                cursor -= min(rng.randint(300, 900), last_length - 300)
            else:
                cursor += rng.randint(200, 2500)
        cursor = max(cursor, lane_end[lane] + 400)  # nobody talks over themselves
        for part in range(rng.choice([1, 1, 2])):
            if part:
                cursor += rng.randint(200, 2500)
            text = rng.choice(REP_LINES if lane == 0 else CUSTOMER_LINES)
            key, length, segments = lines.speak(text, voices[lane])
            placed[lane].append((cursor, key))
            truth[lane] += [[cursor + s, cursor + e] for s, e in segments]
            cursor += length
            last_length = length
        lane_end[lane] = cursor
    return {
        "seed": seed,
        "codec": codec,
        "voices": {"rep": voices[0], "customer": voices[1]},
        "placed": placed,
        "truth": [join_segments(lane) for lane in truth],
        "duration_ms": cursor + rng.randint(800, 2000),
    }


def write_clean(plan, lines, path):
    """The dialogue's clean speech as stereo 16-bit PCM at its codec's rate;
    returns each channel's RMS inside its true segments."""
    rate = plan["codec"][1]
    frames = plan["duration_ms"] * rate // 1000
    channels = [array.array("h", bytes(2 * frames)) for _ in range(2)]
    for channel, placed in zip(channels, plan["placed"]):
        for start_ms, key in placed:
            samples = lines.samples(key, rate)
            first = start_ms * rate // 1000
            end = min(frames, first + len(samples))
            channel[first:end] = samples[: end - first]
    levels = []
    for channel, segments in zip(channels, plan["truth"]):
        total = count = 0
        for start, end in segments:
            chunk = channel[start * rate // 1000:end * rate // 1000]
            total += sum(s * s for s in chunk)
            count += len(chunk)
        levels.append(math.sqrt(total / count) if count else 0.0)
    pcm = array.array("h", bytes(4 * frames))
    pcm[0::2] = channels[0]
    pcm[1::2] = channels[1]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return levels


def write_noisy(plan, clean, levels, noise_db, path):
    """Adds white noise noise_db under each channel's active-speech RMS and
    encodes with the dialogue's codec. ffmpeg's white anoisesrc is uniform on
    [-amplitude, amplitude], so its RMS is amplitude / sqrt(3)."""
    _, rate, codec = plan["codec"]
    seconds = plan["duration_ms"] / 1000
    sources = []
    for ch, level in enumerate(levels):
        amplitude = level / 32768 * 10 ** (-noise_db / 20) * math.sqrt(3)
        sources += ["-f", "lavfi", "-i", f"anoisesrc=color=white:amplitude={amplitude:.8f}:"
                    f"sample_rate={rate}:seed={plan['seed'] * 2 + ch}:duration={seconds}"]
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(clean),
                    *sources, "-filter_complex",
                    "[0][1][2]amerge=inputs=3,pan=stereo|c0=c0+c2|c1=c1+c3",
                    "-ar", str(rate), "-c:a", codec, str(path)], check=True)


def detect(detector, binary, path, workdir):
    if detector != "filmroom":
        return speech_bench.detect_peer(detector, path)["channels"]
    out = Path(workdir) / "speech.json"
    subprocess.run([str(binary), "analyze", "--speech-out", str(out), str(path)], check=True,
                   stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())["channels"]


def fmt(value, spec, missing="—"):
    if value is None:
        return missing
    if math.isinf(value):
        return "none found"
    return format(value, spec)


def row(name, s):
    true_n, found_n = s["segments"]
    print(f"{name:<34} {fmt(s['talk_pp'], '+.1f'):>10} {s['f1']:>8.3f} "
          f"{fmt(s['patience_ms'], '+.0f'):>12} {true_n:>6} {found_n:>6}")


HEADER = f"{{:<34}} {'talk pp':>10} {'F1@100ms':>8} {'patience ms':>12} {'true':>6} {'found':>6}"


def worst(scores):
    """The worst dialogue's figures: largest |talk ratio error|, lowest F1,
    largest |patience error| (each may come from a different dialogue)."""
    talk = [abs(s["talk_pp"]) for s in scores if s["talk_pp"] is not None]
    pat = [abs(s["patience_ms"]) for s in scores if s["patience_ms"] is not None]
    return {"talk_pp": max(talk, default=None), "f1": min(s["f1"] for s in scores),
            "patience_ms": max(pat, default=None)}


def verdict(figure, value):
    if value is None:
        return "PASS"
    ok = value >= TARGETS[figure] if figure == "f1" else value <= TARGETS[figure]
    return "PASS" if ok else "FAIL"


def summary(results, label):
    """Worst dialogue per noise level, with PASS/FAIL for 20 dB and above."""
    print(f"{label}: worst dialogue per noise level")
    print(f"{'':<24} {'talk pp':>14} {'F1@100ms':>14} {'patience ms':>16}")
    groups = [(f"{db} dB", [db], False) for db in GATED_DB]
    groups.append(("20 dB and above", list(GATED_DB), True))
    groups += [(f"{db} dB (no target)", [db], False) for db in NOISE_DB if db not in GATED_DB]
    for name, levels, gated in groups:
        w = worst([s for (db, s) in results if db in levels])
        cells = []
        for figure, spec, width in (("talk_pp", ".1f", 14), ("f1", ".3f", 14),
                                    ("patience_ms", ".0f", 16)):
            text = fmt(w[figure], spec)
            if gated:
                text += " " + verdict(figure, w[figure])
            cells.append(f"{text:>{width}}")
        print(f"{name:<24} {''.join(' ' + c for c in cells)}")
    print("targets for 20 dB and above: talk ratio within 3 pp, F1 at least 0.90, "
          "patience within 150 ms")


def describe(plan):
    rep, cust = (f"{v['voice']} s{v['speed']} p{v['pitch']}"
                 for v in (plan["voices"]["rep"], plan["voices"]["customer"]))
    return (f"#{plan['seed']} {plan['codec'][0]}, {plan['duration_ms'] / 1000:.0f} s; "
            f"rep {rep}, customer {cust}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="tune",
                        help="tune: seeds 1000-1999; report: seeds 2000-2999")
    parser.add_argument("--dialogues", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0, help="first seed's offset in the set")
    parser.add_argument("--detector", default="filmroom",
                        help="comma-separated: filmroom, webrtcvad, silero")
    parser.add_argument("--summary", action="store_true", help="print only the summaries")
    parser.add_argument("--keep", help="keep the generated WAVs in this directory")
    parser.add_argument("--json", help="write the set (files and truth) here; needs --keep")
    args = parser.parse_args()
    detectors = args.detector.split(",")
    for d in detectors:
        if d != "filmroom" and d not in speech_bench.PEERS:
            parser.error(f"unknown detector {d}")
    missing = speech_bench.missing_modules([d for d in detectors if d != "filmroom"])
    if missing:
        parser.error(f"the peers need {', '.join(missing)}: run this with the python of the "
                     "venv scripts/bench-speech-cost.sh makes")
    if args.dialogues < 1 or args.seed < 0 or args.seed + args.dialogues > SET_SIZE:
        parser.error(f"--seed + --dialogues must stay within the set's {SET_SIZE} seeds")
    if args.json and not args.keep:
        parser.error("--json needs --keep (the files it lists must stay)")
    need_tools()
    binary = filmroom_binary() if "filmroom" in detectors else None
    seeds = [SETS[args.set] + args.seed + n for n in range(args.dialogues)]
    print(f"{args.set} set: seeds {seeds[0]}-{seeds[-1]}, each at "
          f"{', '.join(map(str, NOISE_DB))} dB line noise (white noise RMS under the "
          f"active speech RMS, per channel)")
    if any(d != "filmroom" for d in detectors):
        print("peers' frame decisions become segments by filmroom's rules (pauses under "
              f"{speech_bench.MIN_PAUSE_MS} ms joined, segments under "
              f"{speech_bench.MIN_SPEECH_MS} ms dropped), without edge correction: "
              + "; ".join(speech_bench.peer_describe(d) for d in detectors if d != "filmroom"))
    with tempfile.TemporaryDirectory() as workdir:
        lines = Lines(workdir)
        keep = Path(args.keep or workdir)
        keep.mkdir(parents=True, exist_ok=True)
        plans = []
        for seed in seeds:
            plan = dialogue(seed, lines)
            clean = Path(workdir) / "clean.wav"
            levels = write_clean(plan, lines, clean)
            plan["files"] = {}
            for db in NOISE_DB:
                path = keep / f"dialogue-{seed}-{db}dB.wav"
                write_noisy(plan, clean, levels, db, path)
                plan["files"][db] = path
            plans.append(plan)
        if args.json:
            Path(args.json).write_text(json.dumps({
                "set": args.set,
                "noise": "white noise, RMS N dB under the RMS of the channel's active speech",
                "segment_rules": {"min_pause_ms": speech_bench.MIN_PAUSE_MS,
                                  "min_speech_ms": speech_bench.MIN_SPEECH_MS},
                "dialogues": [{"seed": p["seed"], "codec": p["codec"][0],
                               "sample_rate": p["codec"][1], "voices": p["voices"],
                               "duration_ms": p["duration_ms"],
                               "truth": p["truth"],
                               "files": {f"{db}dB": str(path.resolve())
                                         for db, path in p["files"].items()}}
                              for p in plans],
            }, indent=1))
        overall = {}
        for detector in detectors:
            label = detector + (f" ({binary.parent.name} binary)" if binary and
                                detector == "filmroom" else "")
            results = []
            print()
            print(f"detector: {label}")
            if not args.summary:
                print(HEADER.format("dialogue, noise"))
            for plan in plans:
                if not args.summary:
                    print(describe(plan))
                for db, path in plan["files"].items():
                    s = score(plan["truth"], detect(detector, binary, path, workdir))
                    results.append((db, s))
                    if not args.summary:
                        row(f"  {db} dB", s)
            summary(results, label)
            overall[label] = results
            if args.summary:
                continue
            print()
            print(f"{label} on the committed fixtures (truth: the voiced stretch of their "
                  "own decode)")
            print(HEADER.format("fixture"))
            fixtures = ROOT / "tests" / "fixtures"
            for name, channels in [("speech-8k-stereo-mulaw.wav", 2), ("speech-8k-stereo.flac", 2),
                                   ("speech-8k-mono-s16.wav", 1), ("speech-8k-mono-alaw.wav", 1),
                                   ("speech-16k-mono.mp3", 1)]:
                path = fixtures / name
                # Channel 2 of the stereo fixtures is a steady 440 Hz tone: no speech.
                truth = [voiced_segments(decode(path, 0 if channels == 2 else None))]
                if channels == 2:
                    truth.append([])
                row(name, score(truth, detect(detector, binary, path, workdir)))
        if len(overall) > 1:
            print()
            print(f"side by side, worst dialogue ({args.set} set, {len(seeds)} dialogues)")
            print(f"{'detector':<28} {'noise':<16} {'talk pp':>8} {'F1@100ms':>9} "
                  f"{'patience ms':>12}")
            for label, results in overall.items():
                for name, levels in [("20 dB and above", GATED_DB)] + [
                        (f"{db} dB", [db]) for db in NOISE_DB if db not in GATED_DB]:
                    w = worst([s for db, s in results if db in levels])
                    print(f"{label:<28} {name:<16} {fmt(w['talk_pp'], '.1f'):>8} "
                          f"{w['f1']:>9.3f} {fmt(w['patience_ms'], '.0f'):>12}")
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
