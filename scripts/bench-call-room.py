#!/usr/bin/env python3
"""How fast the call room opens and plays a 60-minute call, in headless chromium.

Builds the release binary, starts it on the embedded default in a temporary
directory, uploads a generated 60-minute 8 kHz mono WAV (57.6 MB) and, in
the same browser and the same run, measures:

- the call room: from navigation start until the waveform is drawn and Play
  is enabled (the page marks `filmroom:player-ready`); target under 1 s;
- the sign-in page's load event, as the reference: a page with no data;
- pressing Play until the <audio> element fires `playing`: right after the
  room opens (nothing buffered yet), and after jumping to five points of the
  call; target under 300 ms;
- the same for a 3-second WAV served by the same server, as the reference.

Figures are medians of 5 runs. Usage: scripts/bench-call-room.py
"""

from __future__ import annotations

import pathlib
import statistics
import sys
import tempfile
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "browser"))
import harness  # noqa: E402

harness.ensure_playwright()

from playwright.sync_api import sync_playwright  # noqa: E402

RUNS = 5


def upload(api: harness.Api, rep_id: str, path: pathlib.Path, title: str) -> str:
    call = api.call("POST", "/v1/calls", {"rep_id": rep_id, "title": title})
    api.call("PUT", f"/v1/calls/{call['id']}/audio", raw=path.read_bytes(), content_type="audio/wav")
    ready = api.wait_ready(call["id"], timeout=600)
    if ready["status"] != "ready":
        harness.fail(f"{title} did not analyse: {ready}")
    return call["id"]


def play_latency(page, at_seconds: float) -> float:
    return page.evaluate(
        """async (at) => {
            const { wavesurfer, audio } = window.filmroomPlayer;
            audio.pause();
            const started = performance.now();
            wavesurfer.setTime(at);
            const playing = new Promise((resolve) => audio.addEventListener('playing', resolve, { once: true }));
            document.getElementById('play').click();
            await playing;
            const elapsed = performance.now() - started;
            audio.pause();
            return elapsed;
        }""",
        at_seconds,
    )


def main() -> None:
    binary = harness.build(release=True)
    server = harness.Server(binary)
    try:
        token, link = server.bootstrap()
        api = harness.Api(server.base, token)
        me = api.call("GET", "/v1/me")["user"]["id"]
        work = pathlib.Path(tempfile.mkdtemp())
        long_wav, short_wav = work / "sixty-minutes.wav", work / "three-seconds.wav"
        harness.log("generating a 60-minute 8 kHz WAV")
        harness.speech_like_wav(long_wav, seconds=3600)
        harness.speech_like_wav(short_wav, seconds=3)
        long_call = upload(api, me, long_wav, "Sixty minutes")
        short_call = upload(api, me, short_wav, "Three seconds")

        with sync_playwright() as playwright:
            browser = harness.launch(playwright)
            context = browser.new_context(viewport={"width": 1280, "height": 860})
            page = context.new_page()
            page.goto(link)
            page.get_by_label("New password").fill("benchmark password")
            page.get_by_label("The same password again").fill("benchmark password")
            page.get_by_role("button", name="Set password and sign in").click()
            page.wait_for_url(f"{server.base}/")

            room, login, cold = [], [], []
            for _ in range(RUNS):
                page.goto(f"{server.base}/calls/{long_call}")
                page.wait_for_selector("#player[data-ready='true']", timeout=30000)
                room.append(page.evaluate("performance.getEntriesByName('filmroom:player-ready')[0].startTime"))
                cold.append(page.evaluate("""async () => {
                    const audio = window.filmroomPlayer.audio;
                    const started = performance.now();
                    const playing = new Promise((resolve) => audio.addEventListener('playing', resolve, { once: true }));
                    document.getElementById('play').click();
                    await playing;
                    audio.pause();
                    return performance.now() - started;
                }"""))
                page.goto(f"{server.base}/login?next=%2F")
                login.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
            page.goto(f"{server.base}/calls/{long_call}")
            page.wait_for_selector("#player[data-ready='true']", timeout=30000)
            long_play = [play_latency(page, at) for at in (60, 900, 1800, 2700, 3500)]
            page.goto(f"{server.base}/calls/{short_call}")
            page.wait_for_selector("#player[data-ready='true']", timeout=30000)
            short_play = [play_latency(page, 0.2) for _ in range(RUNS)]
            peaks = urllib.request.Request(f"{server.base}/v1/calls/{long_call}/peaks", headers={"Authorization": f"Bearer {token}"})
            full_peaks = len(urllib.request.urlopen(peaks).read())
            browser.close()
    finally:
        server.stop()

    median = statistics.median
    print()
    print("| Measure | filmroom | reference | target |")
    print("| --- | --- | --- | --- |")
    print(f"| call room interactive, 60-minute call | {median(room):.0f} ms | sign-in page loaded {median(login):.0f} ms | < 1000 ms |")
    print(f"| Play to audio playing, 60-minute call, just opened | {median(cold):.0f} ms (max {max(cold):.0f}) | 3-second call {median(short_play):.0f} ms | < 300 ms |")
    print(f"| Play to audio playing after a jump, 60-minute call | {median(long_play):.0f} ms (max {max(long_play):.0f}) | 3-second call {median(short_play):.0f} ms | < 300 ms |")
    print(f"\n(the call room draws ~1,500 coarse peak points first; the full-resolution peaks, {full_peaks / 1e6:.1f} MB of JSON, load only on zoom)")
    ok = median(room) < 1000 and median(long_play) < 300 and median(cold) < 300
    print("targets met" if ok else "TARGETS NOT MET")


if __name__ == "__main__":
    main()
