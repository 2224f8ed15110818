#!/usr/bin/env python3
"""How fast a manager's pages are, in headless chromium.

Builds the release binary, starts it on the embedded default in a temporary
directory and, in the same browser and the same run, measures:

- the team board of 50 reps, each with a call in one slot (half shared):
  from navigation start to the load event; target under 500 ms. Reference:
  the sign-in page's load, a page with no data;
- pressing "Play the reel" in a 1:1 whose segment is a full 20 minutes
  (four 5-minute clips from a 60-minute call) until the <audio> element
  fires `playing`; target under 500 ms. Reference: "Play" on one of those
  clips.

Figures are medians of 5 runs. Usage: scripts/bench-manager-pages.py
"""

from __future__ import annotations

import datetime
import pathlib
import statistics
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "browser"))
import harness  # noqa: E402

harness.ensure_playwright()

from playwright.sync_api import sync_playwright  # noqa: E402

RUNS = 5
REPS = 50


def ready_call(api: harness.Api, rep_id: str, path: pathlib.Path, title: str) -> str:
    call = api.call("POST", "/v1/calls", {"rep_id": rep_id, "title": title})
    api.call("PUT", f"/v1/calls/{call['id']}/audio", raw=path.read_bytes(), content_type="audio/wav")
    if api.wait_ready(call["id"], timeout=600)["status"] != "ready":
        harness.fail(f"{title} did not analyse")
    return call["id"]


def play(page, button: str, audio: str) -> float:
    return page.evaluate(
        """async ([button, audio]) => {
            const element = document.getElementById(audio);
            if (element) { element.pause(); element.removeAttribute('src'); element.load(); delete element.dataset.src; }
            const started = performance.now();
            document.querySelector(button).click();
            const target = document.getElementById(audio);
            await new Promise((resolve) => target.addEventListener('playing', resolve, { once: true }));
            const elapsed = performance.now() - started;
            target.pause();
            return elapsed;
        }""",
        [button, audio],
    )


def main() -> None:
    binary = harness.build(release=True)
    server = harness.Server(binary)
    try:
        token, _ = server.bootstrap()
        admin = harness.Api(server.base, token)
        manager = admin.call("POST", "/v1/users", {"email": "mia@bench.test", "name": "Mia Manager", "role": "manager"})
        link = admin.call("POST", f"/v1/users/{manager['id']}/invite")["url"]
        work = pathlib.Path(tempfile.mkdtemp())
        short_wav, long_wav = work / "short.wav", work / "hour.wav"
        harness.speech_like_wav(short_wav, seconds=20)
        harness.log("generating a 60-minute 8 kHz WAV")
        harness.speech_like_wav(long_wav, seconds=3600)
        year, number, _ = datetime.datetime.now(datetime.timezone.utc).isocalendar()
        week = f"{year}-W{number:02d}"
        harness.log(f"adding {REPS} reps, each with a call picked for the week, half of them shared")
        first_rep = None
        for n in range(REPS):
            rep = admin.call("POST", "/v1/users", {"email": f"rep{n}@bench.test", "name": f"Rep {n:02d}",
                                                  "role": "rep", "manager_id": manager["id"]})
            first_rep = first_rep or rep
            rep_api = harness.Api(server.base, admin.call("POST", f"/v1/users/{rep['id']}/tokens", {"name": "bench"})["secret"])
            call = ready_call(rep_api, rep["id"], short_wav, f"Call {n}")
            rep_api.call("POST", f"/v1/calls/{call}/comments", {"at_ms": 1000, "body": "Good opening", "kind": "went_well"})
            slot = f"/v1/reps/{rep['id']}/weeks/{week}/nominations/went_well"
            rep_api.call("PUT", slot, {"call_id": call})
            rep_api.call("POST", f"{slot}/state", {"state": "self_reviewed"})
            if n % 2 == 0:
                rep_api.call("POST", f"{slot}/state", {"state": "shared"})
        manager_api = harness.Api(server.base, admin.call("POST", f"/v1/users/{manager['id']}/tokens", {"name": "bench"})["secret"])
        long_call = ready_call(admin, first_rep["id"], long_wav, "Sixty minutes")
        manager_api.call("POST", "/v1/one-on-one-series", {"rep_id": first_rep["id"], "weekday": "friday", "time": "10:00",
                                                           "duration_minutes": 45})
        occurrence = manager_api.call("GET", f"/v1/one-on-ones?rep={first_rep['id']}")["items"][0]
        for k in range(4):
            start = k * 900_000
            manager_api.call("POST", f"/v1/one-on-ones/{occurrence['id']}/clips",
                             {"call_id": long_call, "start_ms": start, "end_ms": start + 300_000})

        with sync_playwright() as playwright:
            browser = harness.launch(playwright)
            page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
            page.goto(link)
            page.get_by_label("New password").fill("benchmark password")
            page.get_by_label("The same password again").fill("benchmark password")
            page.get_by_role("button", name="Set password and sign in").click()
            page.wait_for_url(f"{server.base}/")
            board, login = [], []
            for _ in range(RUNS):
                page.goto(f"{server.base}/team")
                rows = page.locator("table.board tbody tr").count()
                if rows != REPS:
                    harness.fail(f"the board shows {rows} reps, not {REPS}")
                board.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
                page.goto(f"{server.base}/login?next=%2Fteam")
                login.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
            page.goto(f"{server.base}/one-on-ones/{occurrence['id']}")
            used = page.locator(".budget-label").inner_text()
            reel = [play(page, "#play-reel", "reel-audio") for _ in range(RUNS)]
            clip = [play(page, ".play-clip", "clip-audio") for _ in range(RUNS)]
            browser.close()
    finally:
        server.stop()

    median = statistics.median
    print()
    print("| Measure | filmroom | reference | target |")
    print("| --- | --- | --- | --- |")
    print(f"| team board of {REPS} reps loaded | {median(board):.0f} ms | sign-in page loaded {median(login):.0f} ms | < 500 ms |")
    print(f"| Play the reel of a full segment ({used}) to audio playing | {median(reel):.0f} ms (max {max(reel):.0f}) | one 5-minute clip {median(clip):.0f} ms | < 500 ms |")
    ok = median(board) < 500 and median(reel) < 500
    print("targets met" if ok else "TARGETS NOT MET")


if __name__ == "__main__":
    main()
