"""Shared by the speech benchmarks: one reading of the definitions, and the peers.

- Segment rules (the product's): speech with pauses under 300 ms is one
  segment; a segment under 200 ms is dropped.
- Scoring: talk ratio, patience (the README's definitions) and boundary F1 at
  100 ms, computed from the truth and from any detector's segments alike, so
  the figures measure the detector, not two readings of the definitions.
- Peer detectors from PyPI, for comparison (numpy, webrtcvad-wheels,
  onnxruntime and silero-vad's ONNX model; scripts/bench-speech-cost.sh
  installs them in a venv). Their per-frame decisions become segments by the
  same segment rules, without any edge correction.

As a command, times a peer on a file the way `filmroom analyze` is timed:

    python scripts/speech_bench.py detect webrtcvad|silero FILE [--out JSON]

decodes FILE with ffmpeg (one thread, streamed) at 8 kHz if it is 8 kHz,
else 16 kHz, runs the peer on its first two channels, one thread, and writes
`{"frame_ms": …, "channels": [[[start_ms, end_ms], …], …]}` like
`filmroom analyze --speech-out`.
"""

import argparse
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

MIN_PAUSE_MS = 300
MIN_SPEECH_MS = 200
TOLERANCE_MS = 100

WEBRTC_MODE = 3
SILERO_THRESHOLD = 0.5


def join_segments(segments):
    """Segments by the product's rules: pauses under 300 ms joined, then
    anything under 200 ms dropped."""
    joined = []
    for start, end in sorted(segments):
        if joined and start - joined[-1][1] < MIN_PAUSE_MS:
            joined[-1][1] = max(joined[-1][1], end)
        else:
            joined.append([start, end])
    return [s for s in joined if s[1] - s[0] >= MIN_SPEECH_MS]


def frames_to_segments(voiced, frame_ms):
    """Per-frame decisions (frame i covers i*frame_ms to (i+1)*frame_ms) as
    segments by the product's rules."""
    runs = []
    for i, v in enumerate(voiced):
        if not v:
            continue
        if runs and runs[-1][1] == i * frame_ms:
            runs[-1][1] = (i + 1) * frame_ms
        else:
            runs.append([i * frame_ms, (i + 1) * frame_ms])
    return join_segments(runs)


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
    """Mean gap from the customer's turn ending to the rep's turn starting
    (answers that talk over are not counted)."""
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


def _error(true, found, scale):
    """found - true; None when the truth has no such figure, infinite when
    the truth has one and the detection none."""
    if true is None:
        return None
    if found is None:
        return float("inf")
    return (found - true) * scale


def score(truth, found):
    """Talk ratio error (pp), boundary F1 and patience error (ms) of `found`
    against `truth`, both lists of per-channel [start_ms, end_ms] segments."""
    found = list(found[: len(truth)]) + [[]] * max(0, len(truth) - len(found))
    rep_truth, customer_truth = (list(truth) + [[]])[:2]
    rep_found, customer_found = (found + [[]])[:2]
    return {
        "talk_pp": _error(talk_ratio(rep_truth, customer_truth),
                          talk_ratio(rep_found, customer_found), 100),
        "f1": boundary_f1(truth, found),
        "patience_ms": _error(patience(rep_truth, customer_truth),
                              patience(rep_found, customer_found), 1),
        "segments": (sum(map(len, truth)), sum(map(len, found))),
    }


def probe(path):
    """(sample rate, channels) of a file's first audio stream."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                          "stream=sample_rate,channels", "-of", "json", str(path)],
                         check=True, capture_output=True).stdout
    stream = json.loads(out)["streams"][0]
    return int(stream["sample_rate"]), int(stream["channels"])


def pcm_blocks(path, rate, channels, frames):
    """The file's first `channels` channels at `rate` as int16 arrays of
    shape (frames, channels), streamed from a one-thread ffmpeg."""
    import numpy as np

    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-threads", "1", "-i", str(path)]
    args += ["-af", "pan=mono|c0=c0" if channels == 1 else "pan=stereo|c0=c0|c1=c1"]
    args += ["-ar", str(rate), "-f", "s16le", "-"]
    block = frames * channels * 2
    with subprocess.Popen(args, stdout=subprocess.PIPE) as ff:
        while True:
            raw = ff.stdout.read(block)
            if not raw:
                break
            usable = len(raw) // (2 * channels) * 2 * channels
            yield np.frombuffer(raw[:usable], dtype=np.int16).reshape(-1, channels)
    if ff.returncode:
        raise RuntimeError(f"ffmpeg failed on {path}")


class WebrtcVad:
    """webrtcvad in 30 ms frames at the decode rate."""

    frame_ms = 30

    def __init__(self, rate, channels):
        import webrtcvad

        self.rate = rate
        self.samples = rate * self.frame_ms // 1000
        self.vads = [webrtcvad.Vad(WEBRTC_MODE) for _ in range(channels)]

    def frames(self, block):
        """Decisions per channel for a block of whole frames."""
        out = []
        for ch, vad in enumerate(self.vads):
            pcm = block[:, ch].tobytes()
            step = self.samples * 2
            out.append([vad.is_speech(pcm[i:i + step], self.rate)
                        for i in range(0, len(pcm) - step + 1, step)])
        return out


def silero_model_path():
    """silero_vad.onnx from the silero-vad wheel, found without importing the
    package (its __init__ imports torch, which is not installed)."""
    spec = importlib.util.find_spec("silero_vad")
    if spec is None:
        raise RuntimeError("silero-vad is not installed (pip install --no-deps silero-vad)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "silero_vad.onnx"


class SileroVad:
    """silero-vad's ONNX model on onnxruntime, one thread: 512-sample windows
    at 16 kHz (256 at 8 kHz, both 32 ms), each with the previous window's last
    64 (32) samples as context and the recurrent state carried over, as the
    package's own wrapper does; channels batched in one call. A window
    scoring 0.5 or more is speech."""

    frame_ms = 32

    def __init__(self, rate, channels):
        import numpy as np
        import onnxruntime

        opts = onnxruntime.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.np = np
        self.session = onnxruntime.InferenceSession(str(silero_model_path()), sess_options=opts,
                                                    providers=["CPUExecutionProvider"])
        self.samples = rate * self.frame_ms // 1000
        self.context_size = 64 if rate == 16000 else 32
        self.state = np.zeros((2, channels, 128), dtype=np.float32)
        self.context = np.zeros((channels, self.context_size), dtype=np.float32)
        self.sr = np.array(rate, dtype=np.int64)

    def frames(self, block):
        np = self.np
        audio = block.T.astype(np.float32) / 32768.0
        out = [[] for _ in range(audio.shape[0])]
        for i in range(0, audio.shape[1] - self.samples + 1, self.samples):
            x = np.concatenate([self.context, audio[:, i:i + self.samples]], axis=1)
            prob, self.state = self.session.run(None, {"input": x, "state": self.state,
                                                       "sr": self.sr})
            self.context = x[:, -self.context_size:]
            for ch, p in enumerate(prob[:, 0]):
                out[ch].append(p >= SILERO_THRESHOLD)
        return out


PEERS = {"webrtcvad": WebrtcVad, "silero": SileroVad}
MODULES = {"webrtcvad": ["numpy", "webrtcvad"], "silero": ["numpy", "onnxruntime", "silero_vad"]}


def missing_modules(peers):
    """Modules the given peers need that are not installed."""
    wanted = dict.fromkeys(m for p in peers for m in MODULES[p])
    return [m for m in wanted if importlib.util.find_spec(m) is None]


def peer_describe(name):
    if name == "webrtcvad":
        return f"webrtcvad mode {WEBRTC_MODE}, 30 ms frames"
    return f"silero-vad ONNX, 32 ms windows, threshold {SILERO_THRESHOLD}"


def detect_peer(name, path):
    """A peer's segments per channel (the first two) of a file, like
    `filmroom analyze --speech-out`."""
    import numpy as np

    rate, channels = probe(path)
    rate = 8000 if rate == 8000 else 16000
    channels = min(channels, 2)
    vad = PEERS[name](rate, channels)
    frame = rate * vad.frame_ms // 1000
    voiced = [[] for _ in range(channels)]
    tail = None
    for block in pcm_blocks(path, rate, channels, frame * 256):
        if tail is not None and len(tail):
            block = np.concatenate([tail, block])
        whole = len(block) // frame * frame
        for ch, decisions in enumerate(vad.frames(block[:whole])):
            voiced[ch] += decisions
        tail = block[whole:]
    return {"frame_ms": vad.frame_ms,
            "channels": [frames_to_segments(v, vad.frame_ms) for v in voiced]}


def main():
    parser = argparse.ArgumentParser(description="Run a peer voice detector on a file.")
    sub = parser.add_subparsers(dest="command", required=True)
    detect = sub.add_parser("detect")
    detect.add_argument("detector", choices=sorted(PEERS))
    detect.add_argument("file")
    detect.add_argument("--out", help="write the segments here (JSON)")
    args = parser.parse_args()
    speech = detect_peer(args.detector, args.file)
    if args.out:
        Path(args.out).write_text(json.dumps(speech))
    return 0


if __name__ == "__main__":
    sys.exit(main())
