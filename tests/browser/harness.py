"""What the browser tests and the call-room benchmark share: a real filmroom
server on a random port in a temporary directory, its JSON API, Debian's
chromium driven by Playwright, and axe-core pinned by integrity hash.

Installs what is missing (Playwright from PyPI into a virtualenv under
~/.cache, axe-core from the npm registry, chromium with apt-get); with
CI=true, a browser that cannot be installed fails the run.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import os
import pathlib
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import wave

ROOT = pathlib.Path(__file__).resolve().parents[2]
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", pathlib.Path.home() / ".cache" / "filmroom-target"))
SCREENSHOTS = TARGET / "browser-screenshots"
PLAYWRIGHT_VERSION = "1.65.0"
AXE_VERSION = "4.14.1"
AXE_INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
CACHE = pathlib.Path.home() / ".cache"


def log(message: str) -> None:
    print(f"browser: {message}", flush=True)


def fail(message: str) -> None:
    print(f"browser: FAIL: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def ensure_playwright() -> None:
    """Re-executes this script inside a virtualenv that has Playwright."""
    try:
        import playwright  # noqa: F401
        return
    except ImportError:
        pass
    venv = CACHE / f"filmroom-playwright-{PLAYWRIGHT_VERSION}"
    python = venv / "bin" / "python"
    if not python.exists() or subprocess.run([str(python), "-c", "import playwright"], capture_output=True).returncode != 0:
        log(f"installing playwright {PLAYWRIGHT_VERSION} into {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", f"playwright=={PLAYWRIGHT_VERSION}"], check=True)
    os.execv(str(python), [str(python), *sys.argv])


def chromium() -> str:
    path = shutil.which("chromium")
    if path:
        return path
    if shutil.which("apt-get"):
        log("chromium is missing; installing Debian's package")
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    path = shutil.which("chromium")
    if not path:
        fail("chromium is not installed and could not be installed (apt-get install chromium)")
    return path


def axe_script() -> pathlib.Path:
    """axe.min.js from the npm tarball, checked against its published SHA-512."""
    directory = CACHE / f"filmroom-axe-core-{AXE_VERSION}"
    script = directory / "axe.min.js"
    if script.exists():
        return script
    url = f"https://registry.npmjs.org/axe-core/-/axe-core-{AXE_VERSION}.tgz"
    log(f"downloading axe-core {AXE_VERSION}")
    tarball = urllib.request.urlopen(url, timeout=60).read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    if digest != AXE_INTEGRITY:
        fail(f"axe-core tarball integrity is {digest}, expected {AXE_INTEGRITY}")
    import tarfile
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        member = archive.extractfile("package/axe.min.js")
        if member is None:
            fail("axe-core tarball has no axe.min.js")
        directory.mkdir(parents=True, exist_ok=True)
        script.write_bytes(member.read())
    return script


def build(release: bool = False) -> pathlib.Path:
    """The binary under test: FILMROOM_BIN when the Rust suite runs this, else built here."""
    given = os.environ.get("FILMROOM_BIN")
    if given and not release:
        return pathlib.Path(given)
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET))
    command = ["cargo", "build", "--locked", "-p", "filmroom-cli", "--bin", "filmroom"]
    if release:
        command.append("--release")
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return TARGET / ("release" if release else "debug") / "filmroom"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def speech_like_wav(path: pathlib.Path, seconds: float, rate: int = 8000, channels: int = 1) -> None:
    """A recording with bursts of tone and pauses, so the waveform has shape."""
    frames = int(seconds * rate)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        chunk = bytearray()
        for i in range(frames):
            t = i / rate
            envelope = 0.5 + 0.5 * math.sin(2 * math.pi * 0.35 * t)
            talking = (int(t * 1.3) % 3) != 2
            for c in range(channels):
                speaker_on = talking if c == 0 else not talking
                value = envelope * 0.6 * math.sin(2 * math.pi * (220 + 40 * c) * t) if speaker_on else 0.0
                chunk += struct.pack("<h", int(value * 32767))
            if len(chunk) > 1 << 20:
                out.writeframes(bytes(chunk))
                chunk.clear()
        out.writeframes(bytes(chunk))


def dialogue_wav(path: pathlib.Path, turns: list[tuple[int, float]], seconds: float) -> None:
    """A two-channel 8 kHz WAV with the spoken fixture placed on channel
    `c` at `start` seconds for each `(c, start)`; silence elsewhere."""
    with wave.open(str(ROOT / "tests" / "fixtures" / "speech-8k-mono-s16.wav"), "rb") as source:
        voice = struct.unpack(f"<{source.getnframes()}h", source.readframes(source.getnframes()))
    frames = int(seconds * 8000)
    pcm = [0] * (frames * 2)
    for channel, start in turns:
        first = int(start * 8000)
        for i, sample in enumerate(voice):
            index = (first + i) * 2 + channel
            if index < len(pcm):
                pcm[index] = sample
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(struct.pack(f"<{len(pcm)}h", *pcm))


class Server:
    """`filmroom serve` on the embedded default, in a temporary directory."""

    def __init__(self, binary: pathlib.Path, env: dict[str, str] | None = None) -> None:
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="filmroom-browser-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        # The Rust suite passes its backends (PostgreSQL, S3) as JSON pairs.
        backends = dict(json.loads(os.environ.get("FILMROOM_BROWSER_SERVER_ENV", "[]")))
        self.env = dict(os.environ, RUST_LOG="warn", **backends, **(env or {}))
        self.process = subprocess.Popen(
            [str(binary), "serve", "--listen", f"127.0.0.1:{self.port}"],
            cwd=self.dir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None:
                    fail("the server exited at start:\n" + "\n".join(self.lines))
                time.sleep(0.2)
        fail("the server did not start within 60 s")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def bootstrap(self) -> tuple[str, str]:
        result = subprocess.run(
            [str(self.binary), "admin", "bootstrap", "--org", "Acme Sales", "--email", "ada@acme.test",
             "--name", "Ada Admin", "--timezone", "Europe/Berlin", "--public-url", self.base],
            cwd=self.dir, env=self.env, capture_output=True, text=True, check=True,
        )
        link = re.search(r"(http://\S+/welcome/\S+)", result.stderr)
        if not link:
            fail("bootstrap printed no sign-in link:\n" + result.stderr)
        return result.stdout.strip(), link.group(1)

    def panics(self) -> list[str]:
        return [line for line in self.lines if "panicked" in line]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Api:
    """The JSON API with a bearer token."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token

    def call(self, method: str, path: str, body: object = None, raw: bytes | None = None,
             content_type: str = "application/json") -> dict:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(f"{self.base}{path}", data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read()
                return json.loads(text) if text else {}
        except urllib.error.HTTPError as error:
            fail(f"{method} {path} answered {error.code}: {error.read().decode(errors='replace')}")
            raise

    def multipart(self, path: str, metadata: dict, audio: bytes, content_type: str = "audio/wav") -> dict:
        """A multipart push: the `metadata` part, then the `audio` part."""
        boundary = "filmroom-browser-boundary"
        body = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
            f"Content-Type: application/json\r\n\r\n{json.dumps(metadata)}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"call.wav\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode() + audio + f"\r\n--{boundary}--\r\n".encode()
        return self.call("POST", path, raw=body, content_type=f"multipart/form-data; boundary={boundary}")

    def wait_ready(self, call_id: str, timeout: float = 120) -> dict:
        deadline = time.time() + timeout
        while time.time() < deadline:
            call = self.call("GET", f"/v1/calls/{call_id}")
            if call["status"] in ("ready", "failed"):
                return call
            time.sleep(0.3)
        fail(f"call {call_id} was not analysed within {timeout} s")
        raise AssertionError


def launch(playwright):
    args = ["--autoplay-policy=no-user-gesture-required"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    return playwright.chromium.launch(executable_path=chromium(), args=args)


if __name__ == "__main__":
    # Installs what the browser tests need and says where it is.
    ensure_playwright()
    log(f"chromium at {chromium()}, axe-core at {axe_script()}")
