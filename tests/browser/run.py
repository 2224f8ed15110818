#!/usr/bin/env python3
"""Browser tests: the rep's week and the manager's review, driven in Debian's
chromium by Playwright against the real binary on a random port.

Every page visited is checked with axe-core (no serious or critical
violation) and photographed at 1280 px and at 375 px wide into
$CARGO_TARGET_DIR/browser-screenshots/, to be looked at.

Usage: tests/browser/run.py   (installs Playwright and axe-core when missing)
"""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import harness  # noqa: E402

harness.ensure_playwright()

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 375, "height": 812}
RUBRIC = {
    "criteria": [
        {"key": "discovery", "name": "Discovery", "description": "Finds the customer's real problem", "min": 1, "max": 4,
         "levels": [{"value": 1, "description": "Pitches before asking"}, {"value": 2, "description": "Asks, rarely digs"},
                    {"value": 3, "description": "Digs into the pain"}, {"value": 4, "description": "Quantifies the pain"}]},
        {"key": "next_steps", "name": "Next steps", "min": 1, "max": 4,
         "levels": [{"value": 1, "description": "None agreed"}, {"value": 4, "description": "Dated, owned, in the calendar"}]},
    ]
}

TRANSCRIPT = """WEBVTT

00:00:00.000 --> 00:00:05.000
<v Ray>Thanks for taking the call today.

00:00:05.000 --> 00:00:12.000
<v Customer>We need to talk about pricing before anything else.

00:00:18.000 --> 00:00:25.000
<v Ray>What would success look like for your team this quarter?

00:00:30.000 --> 00:00:38.000
<v Customer>Send me the proposal and we will decide next week.
"""
FIXTURES = harness.ROOT / "tests" / "fixtures"

checked_pages: list[str] = []
failures: list[str] = []


def check(condition: bool, message: str) -> None:
    if not condition:
        failures.append(message)
        harness.log(f"FAILED: {message}")


def clock_ms(text: str) -> float:
    """`mm:ss.s` (or `h:mm:ss`) as milliseconds."""
    total = 0.0
    for part in text.strip().split(":"):
        total = total * 60 + float(part)
    return total * 1000


def audit(page: Page, name: str, axe: pathlib.Path, phone_context) -> None:
    """axe-core on the page as it is, then screenshots at both widths."""
    page.add_script_tag(path=str(axe))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    for violation in bad:
        targets = [n["target"] for n in violation["nodes"]][:3]
        failures.append(f"axe on {name}: {violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    harness.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(harness.SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
    phone = phone_context.new_page()
    phone.goto(page.url)
    phone.wait_for_load_state("networkidle")
    # The same person's page, not a sign-in page in its place.
    signed_out = "/login" in phone.url and "/login" not in page.url
    check(not signed_out, f"{name} at 375 px showed the sign-in page instead of {page.url}")
    if phone.locator("#player").count():
        phone.wait_for_selector("#player[data-ready='true']", timeout=15000)
    width = phone.evaluate("document.documentElement.scrollWidth")
    check(width <= PHONE["width"], f"{name} is {width} px wide at 375 px (scrolls sideways)")
    phone.screenshot(path=str(harness.SCREENSHOTS / f"{name}-phone.png"), full_page=True)
    phone.close()
    checked_pages.append(name)
    harness.log(f"checked {name}: axe {len(bad)} serious/critical, screenshots saved")


def wait_player(page: Page) -> None:
    page.wait_for_selector("#player[data-ready='true']", timeout=20000)
    expect(page.locator("#play")).to_be_enabled()


def set_password(page: Page, server: harness.Server, password: str) -> None:
    """On a sign-in link's page: choose a password and arrive home, signed in."""
    page.get_by_label("New password").fill(password)
    page.get_by_label("The same password again").fill(password)
    page.get_by_role("button", name="Set password and sign in").click()
    page.wait_for_url(f"{server.base}/")


def current_time(page: Page) -> float:
    return page.evaluate("window.filmroomPlayer.audio.currentTime")


class MailSink:
    """The email tests' SMTP server (aiosmtpd), so emails the admin sends
    can be opened, and their unsubscribe page checked."""

    def __init__(self) -> None:
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="filmroom-mail-"))
        self.port = harness.free_port()
        script = pathlib.Path(__file__).resolve().parent.parent / "smtp" / "sink.py"
        self.process = subprocess.Popen(
            ["python3", str(script), "--port", str(self.port), "--dir", str(self.dir)],
            stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            harness.fail("the SMTP server for the browser tests did not start")

    def env(self) -> dict[str, str]:
        return {
            "FILMROOM_SMTP_URL": f"smtp://127.0.0.1:{self.port}?tls=none",
            "FILMROOM_SMTP_FROM": "filmroom <coach@acme.test>",
            "FILMROOM_REMINDER_INTERVAL_SECS": "0",
        }

    def wait_for(self, to: str) -> str:
        deadline = time.time() + 30
        while time.time() < deadline:
            for mail in sorted(self.dir.glob("*.eml")):
                text = mail.read_text()
                if f"X-Envelope-To: {to}" in text:
                    return text
            time.sleep(0.2)
        harness.fail(f"no email to {to} arrived")
        return ""

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def main() -> None:
    binary = harness.build()
    axe = harness.axe_script()
    sink = MailSink()
    try:
        # Scheduled emails are off (FILMROOM_REMINDER_INTERVAL_SECS=0): the
        # email log holds only what the test sends.
        server = harness.Server(binary, sink.env())
        try:
            run(server, axe, sink)
        finally:
            panics = server.panics()
            server.stop()
    finally:
        sink.stop()
    if panics:
        failures.append("the server panicked:\n" + "\n".join(panics))
    if failures:
        print("\n".join(f"FAIL: {f}" for f in failures), file=sys.stderr)
        sys.exit(1)
    harness.log(f"all passed; {len(checked_pages)} pages checked with axe and photographed in {harness.SCREENSHOTS}")


def run(server: harness.Server, axe: pathlib.Path, sink: MailSink) -> None:
    token, admin_link = server.bootstrap()
    api = harness.Api(server.base, token)
    manager = api.call("POST", "/v1/users", {"email": "mia@acme.test", "name": "Mia Manager", "role": "manager"})
    rep = api.call("POST", "/v1/users", {"email": "ray@acme.test", "name": "Ray Rep", "role": "rep", "manager_id": manager["id"]})
    api.call("PUT", "/v1/rubric", RUBRIC)
    rep_link = api.call("POST", f"/v1/users/{rep['id']}/invite")["url"]
    manager_link = api.call("POST", f"/v1/users/{manager['id']}/invite")["url"]
    recording = pathlib.Path(tempfile.mkdtemp()) / "discovery-call-acme.wav"
    harness.speech_like_wav(recording, seconds=40)

    with sync_playwright() as playwright:
        browser = harness.launch(playwright)
        rep_context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
        rep_page = rep_context.new_page()
        rep_page.set_default_timeout(20000)

        # The rep's story: invite → password → upload → ready → play → seek → comment → score → share.
        rep_page.goto(rep_link)
        expect(rep_page.get_by_role("heading", level=1)).to_contain_text("Welcome to filmroom, Ray Rep")
        anonymous = browser.new_context(viewport=PHONE, bypass_csp=True)
        audit(rep_page, "welcome", axe, anonymous)
        set_password(rep_page, server, "correct horse battery")
        expect(rep_page.get_by_role("heading", level=1)).to_contain_text("My week")
        reused = anonymous.new_page()
        reused.goto(rep_link)
        check("used already or has expired" in reused.content(), "an invite link worked twice")
        audit(reused, "link-used", axe, anonymous)
        reused.close()

        rep_page.locator("#files").set_input_files([str(recording), str(FIXTURES / "not-audio.pdf")])
        expect(rep_page.locator("#upload-list li").first).to_contain_text("Uploaded; analysing", timeout=30000)
        refused = rep_page.locator("#upload-list li.failed")
        expect(refused).to_contain_text("not-audio.pdf")
        expect(refused.locator(".upload-state")).to_contain_text("send WAV, MP3")
        row = rep_page.locator(".call-row", has_text="discovery-call-acme")
        expect(row.locator(".status")).to_have_text("Ready", timeout=60000)
        call_id = row.get_by_role("link").get_attribute("href").rsplit("/", 1)[1]
        api.call("PUT", f"/v1/calls/{call_id}/transcript", raw=TRANSCRIPT.encode(), content_type="text/vtt")
        # Picking a call while another uploads: the page updates its slots
        # in place, and the upload carries on to the end.
        follow_up = recording.with_name("follow-up-call.wav")
        follow_up.write_bytes(recording.read_bytes())
        held_uploads = []
        rep_page.route("**/v1/calls", lambda route: held_uploads.append(route) if route.request.method == "POST" else route.continue_())
        rep_page.locator("#files").set_input_files([str(follow_up)])
        deadline = time.time() + 10
        while not held_uploads and time.time() < deadline:
            rep_page.wait_for_timeout(100)
        check(bool(held_uploads), "the second upload never started")
        rep_page.evaluate("window.filmroomStayed = true")
        row.get_by_role("button", name="Went well").click()
        slot = rep_page.locator(".slot-went_well")
        expect(slot).to_contain_text("discovery-call-acme")
        check(rep_page.evaluate("window.filmroomStayed === true"), "picking a call reloaded My week")
        expect(rep_page.locator("#upload-list li", has_text="follow-up-call")).not_to_have_class(re.compile("failed"))
        for held_upload in held_uploads:
            held_upload.continue_()
        rep_page.unroute("**/v1/calls")
        expect(rep_page.locator("#upload-list li", has_text="follow-up-call")).to_contain_text("Uploaded; analysing", timeout=30000)
        expect(slot.locator(".state")).to_have_text("Picked")
        rep_phone = browser.new_context(viewport=PHONE, bypass_csp=True, storage_state=rep_context.storage_state())
        audit(rep_page, "rep-home", axe, rep_phone)

        slot.get_by_role("link", name="discovery-call-acme").click()
        wait_player(rep_page)
        check(rep_page.locator(".privacy").is_visible(), "the rep's call room does not say comments are private before sharing")
        audit(rep_page, "call-room-rep", axe, rep_phone)

        rep_page.get_by_role("button", name="Play", exact=True).click()
        rep_page.wait_for_function("window.filmroomPlayer.audio.currentTime > 0.5", timeout=15000)
        rep_page.get_by_role("button", name="Pause", exact=True).click()
        box = rep_page.locator("#waveform").bounding_box()
        rep_page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        time.sleep(0.3)
        half = current_time(rep_page)
        check(abs(half - 20.0) < 1.5, f"a click at half the waveform seeked to {half:.2f} s, not about 20 s")

        rep_page.keyboard.press("c")
        expect(rep_page.locator("#composer-body")).to_be_focused()
        at_label = rep_page.locator("#composer-at").inner_text()
        check(at_label in ("00:19", "00:20", "00:21"), f"the composer says {at_label}, not the playhead's moment")
        review_hint = rep_page.locator("#review-part .hint")
        expect(review_hint).to_contain_text("add at least one comment", ignore_case=True)
        rep_page.get_by_label("Went well").first.check()
        rep_page.locator("#composer-body").fill("Good pause before answering the pricing question.")
        rep_page.get_by_role("button", name="Add comment").click()
        comment = rep_page.locator(".comment", has_text="Good pause before answering")
        expect(comment).to_be_visible()
        # The Review panel follows: the step no longer waits for a comment.
        expect(review_hint).to_have_count(0)
        expect(comment.locator(".private")).to_have_text("Private until shared")
        expect(comment.locator(".seek")).to_have_text(at_label)

        rep_page.on("dialog", lambda dialog: dialog.accept())
        comment.get_by_role("button", name="Reply").click()
        expect(rep_page.locator("#composer-mode")).to_have_text("Reply to Ray Rep at")
        rep_page.locator("#composer-body").fill("Note to self: do this on every pricing question.")
        rep_page.get_by_role("button", name="Add reply").click()
        reply = rep_page.locator(".comment.reply", has_text="Note to self")
        expect(reply).to_be_visible()
        reply.get_by_role("button", name="Edit").click()
        expect(rep_page.locator("#composer-body")).to_have_value("Note to self: do this on every pricing question.")
        rep_page.locator("#composer-body").fill("Note to self: pause like this on every pricing question.")
        rep_page.get_by_role("button", name="Save comment").click()
        expect(rep_page.locator(".comment.reply")).to_contain_text("pause like this")
        rep_page.locator(".comment.reply").get_by_role("button", name="Delete").click()
        expect(rep_page.locator(".comment.reply")).to_have_count(0)

        # Nothing typed is lost. Three comments sent one after another without
        # waiting, while the server holds each answer: all three are stored,
        # in order, and the box is free for the next one at once.
        held = []
        comments_route = "**/calls/*/comments"
        rep_page.route(comments_route, lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
        quick = ["First quick note", "Second quick note", "Third quick note"]
        for text in quick:
            rep_page.locator("#composer-body").fill(text)
            rep_page.get_by_role("button", name="Add comment").click()
        expect(rep_page.locator("#composer-body")).to_have_value("")
        expect(rep_page.locator("#composer .sending li")).to_have_count(3)
        deadline = time.time() + 20
        while rep_page.locator(".comment", has_text="quick note").count() < 3 and time.time() < deadline:
            while held:
                held.pop(0).continue_()
            rep_page.wait_for_timeout(100)
        rep_page.unroute(comments_route)
        for text in quick:
            expect(rep_page.locator(".comment", has_text=text)).to_have_count(1)
        expect(rep_page.locator("#composer .sending li")).to_have_count(0)
        for text in quick:
            rep_page.locator(".comment", has_text=text).get_by_role("button", name="Delete").click()
            expect(rep_page.locator(".comment", has_text=text)).to_have_count(0)

        # A draft survives a reload.
        rep_page.locator("#composer-body").fill("Half a thought about the opener")
        rep_page.reload()
        wait_player(rep_page)
        expect(rep_page.locator("#composer-body")).to_have_value("Half a thought about the opener")
        expect(rep_page.locator("#composer .draft-note")).to_contain_text("Restored")

        # A session that ends mid-draft (signed out in another tab) leaves the
        # page and the draft where they are and asks for a sign-in; the comment
        # sent meanwhile waits, and goes once the person is back.
        elsewhere = rep_context.new_page()
        elsewhere.goto(f"{server.base}/")
        elsewhere.get_by_role("button", name="Sign out").click()
        elsewhere.wait_for_url(f"{server.base}/login")
        expect(rep_page.locator("#signed-out")).to_be_visible(timeout=15000)
        check("/calls/" in rep_page.url, f"the call room left for {rep_page.url} when the session ended")
        expect(rep_page.locator("#composer-body")).to_have_value("Half a thought about the opener")
        rep_page.get_by_role("button", name="Add comment").click()
        expect(rep_page.locator("#composer .sending li")).to_contain_text("Waiting for you to sign in")
        rep_page.locator("#signed-out").scroll_into_view_if_needed()
        rep_page.screenshot(path=str(harness.SCREENSHOTS / "call-room-session-ended-desktop.png"))
        rep_page.set_viewport_size(PHONE)
        rep_page.locator("#composer").scroll_into_view_if_needed()
        rep_page.screenshot(path=str(harness.SCREENSHOTS / "call-room-session-ended-phone.png"))
        rep_page.set_viewport_size(DESKTOP)
        elsewhere.get_by_label("Email").fill("ray@acme.test")
        elsewhere.get_by_label("Password").fill("correct horse battery")
        elsewhere.get_by_role("button", name="Sign in").click()
        elsewhere.wait_for_url(f"{server.base}/")
        elsewhere.close()
        rep_page.locator("#signed-out").get_by_role("button", name="Continue").click()
        # The phone's copy of the session ended with it: it takes the new one.
        rep_phone.close()
        rep_phone = browser.new_context(viewport=PHONE, bypass_csp=True, storage_state=rep_context.storage_state())
        expect(rep_page.locator(".comment", has_text="Half a thought about the opener")).to_have_count(1)
        expect(rep_page.locator("#signed-out")).to_have_count(0)
        rep_page.locator(".comment", has_text="Half a thought about the opener").get_by_role("button", name="Delete").click()
        expect(rep_page.locator(".comment", has_text="Half a thought")).to_have_count(0)

        # The transcript follows playback, seeks on a click and filters.
        find = rep_page.get_by_label("Find in transcript")
        find.fill("success")
        expect(rep_page.locator("#transcript-lines li:visible")).to_have_count(1)
        rep_page.locator("#transcript-lines li:visible .seek").click()
        time.sleep(0.3)
        check(abs(current_time(rep_page) - 18.0) < 0.6, f"a transcript line at 0:18 seeked to {current_time(rep_page):.2f} s")
        check(not rep_page.evaluate("window.filmroomPlayer.audio.paused"), "'Play from 00:18' did not play")
        rep_page.get_by_role("button", name="Pause", exact=True).click()
        # A range from the keyboard: [ at the playhead, play on, ] at its end.
        rep_page.locator("#waveform").focus()
        rep_page.keyboard.press("[")
        rep_page.keyboard.press("ArrowRight")
        rep_page.keyboard.press("]")
        expect(rep_page.locator("#composer-mode")).to_have_text("Comment on")
        check("–" in rep_page.locator("#composer-at").inner_text(), "[ and ] did not make a range")
        expect(rep_page.locator("#markers-list")).to_contain_text("Comments at")
        rep_page.get_by_role("button", name="Cancel").click()
        expect(rep_page.locator("#transcript-lines li.current")).to_contain_text("success")
        find.fill("")

        # Two tabs, each saving a different criterion: neither erases the other.
        second_tab = rep_context.new_page()
        second_tab.goto(rep_page.url)
        scores = rep_page.locator(".scores")
        scores.get_by_label("3 Digs into the pain").check()
        scores.get_by_role("button", name="Save scores").click()
        expect(scores.locator(".score-status")).to_have_text("Scores saved.")
        stale = second_tab.locator(".scores")
        stale.get_by_label("4 Dated, owned, in the calendar").check()
        stale.get_by_role("button", name="Save scores").click()
        expect(stale.locator(".score-status")).to_have_text("Scores saved.")
        second_tab.close()
        rep_page.reload()
        wait_player(rep_page)
        expect(scores.get_by_label("3 Digs into the pain")).to_be_checked()
        expect(scores.get_by_label("4 Dated, owned, in the calendar")).to_be_checked()

        # A comment edited in two tabs: the older tab is told what the newer
        # one saved, shows both, and stores whichever the rep chooses.
        rep_page.locator("#composer-body").fill("Opener was rushed")
        rep_page.get_by_role("button", name="Add comment").click()
        expect(rep_page.locator(".comment", has_text="Opener was rushed")).to_have_count(1)
        old_tab = rep_context.new_page()
        old_tab.goto(rep_page.url)
        wait_player(old_tab)
        old_tab.locator(".comment", has_text="Opener was rushed").get_by_role("button", name="Edit").click()
        old_tab.locator("#composer-body").fill("Opener was rushed: slow down the first 20 seconds")
        rep_page.locator(".comment", has_text="Opener was rushed").get_by_role("button", name="Edit").click()
        rep_page.locator("#composer-body").fill("Opener was fine on a second listen")
        rep_page.get_by_role("button", name="Save comment").click()
        expect(rep_page.locator(".comment", has_text="Opener was fine on a second listen")).to_have_count(1)
        old_tab.get_by_role("button", name="Save comment").click()
        conflict = old_tab.locator("#composer .conflict")
        expect(conflict).to_contain_text("You saved this comment elsewhere")
        expect(conflict.locator("blockquote")).to_have_text("Opener was fine on a second listen")
        expect(old_tab.locator("#composer .sending li")).to_contain_text("Yours: Opener was rushed: slow down")
        conflict.scroll_into_view_if_needed()
        old_tab.screenshot(path=str(harness.SCREENSHOTS / "call-room-edit-conflict-desktop.png"))
        old_tab.set_viewport_size(PHONE)
        conflict.scroll_into_view_if_needed()
        old_tab.screenshot(path=str(harness.SCREENSHOTS / "call-room-edit-conflict-phone.png"))
        check(old_tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"],
              "the edit conflict widens the call room at 375 px")
        conflict.get_by_role("button", name="Keep yours").click()
        expect(old_tab.locator(".comment", has_text="slow down the first 20 seconds")).to_have_count(1)
        expect(old_tab.locator("#composer .sending li")).to_have_count(0)
        old_tab.close()
        kept = rep_page.locator(".comment", has_text="slow down the first 20 seconds")
        expect(kept).to_have_count(1, timeout=10000)
        kept.get_by_role("button", name="Delete").click()
        expect(kept).to_have_count(0)

        # A review step with playback going and a comment half typed: the
        # review panel changes in place, the audio plays on, the text stays.
        rep_page.get_by_role("button", name="Play", exact=True).click()
        rep_page.wait_for_function("window.filmroomPlayer.audio.currentTime > 0.3", timeout=15000)
        rep_page.locator("#composer-body").fill("Typed while finishing")
        rep_page.evaluate("window.filmroomStayed = true")
        rep_page.get_by_role("button", name="Finish self-review").click()
        expect(rep_page.locator(".steps .current")).to_have_text("Self-reviewed")
        check(rep_page.evaluate("window.filmroomStayed === true"), "Finish self-review reloaded the call room")
        check(not rep_page.evaluate("window.filmroomPlayer.audio.paused"), "Finish self-review stopped playback")
        expect(rep_page.locator("#composer-body")).to_have_value("Typed while finishing")
        rep_page.get_by_role("button", name="Pause", exact=True).click()
        rep_page.locator("#composer-body").fill("")
        rep_page.get_by_role("button", name="Share with manager").click()
        rep_page.wait_for_load_state("networkidle")
        expect(rep_page.locator(".steps .current")).to_have_text("Shared")
        check(rep_page.locator(".privacy").count() == 0, "the privacy note stays after sharing")
        wait_player(rep_page)
        rep_page.keyboard.press("?")
        expect(rep_page.locator("#help")).to_be_visible()
        rep_page.keyboard.press("Escape")
        call_url = rep_page.url

        # The manager's story: sign in → the shared call → a range comment by dragging → score → reviewed.
        manager_context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
        manager_page = manager_context.new_page()
        manager_page.set_default_timeout(20000)
        manager_page.goto(manager_link)
        set_password(manager_page, server, "manager password 1")
        manager_page.get_by_role("button", name="Sign out").click()
        manager_page.wait_for_url(f"{server.base}/login")
        audit(manager_page, "login", axe, anonymous)
        manager_page.get_by_label("Email").fill("mia@acme.test")
        manager_page.get_by_label("Password").fill("manager password 1")
        manager_page.get_by_role("button", name="Sign in").click()
        manager_page.wait_for_url(f"{server.base}/")
        expect(manager_page.get_by_role("heading", level=1)).to_contain_text("Your team")
        manager_phone = browser.new_context(viewport=PHONE, bypass_csp=True, storage_state=manager_context.storage_state())
        waiting = manager_page.locator(".waiting li", has_text="Ray Rep's went well call")
        expect(waiting).to_be_visible()
        audit(manager_page, "manager-home", axe, manager_phone)
        manager_page.get_by_role("link", name="Previous week").click()
        expect(manager_page.locator(".waiting")).to_have_count(0)
        expect(manager_page.locator("#waiting-heading + p")).to_contain_text("Nothing shared")
        manager_page.get_by_role("link", name="This week").click()
        manager_page.get_by_role("link", name="Shared went-well call of Ray Rep").click()
        wait_player(manager_page)
        expect(manager_page.locator(".comment", has_text="Good pause before answering")).to_be_visible()
        check(manager_page.locator(".comment .private").count() == 0, "the manager sees a 'private' mark on a shared comment")

        box = manager_page.locator("#waveform").bounding_box()
        y = box["y"] + box["height"] / 2
        manager_page.mouse.move(box["x"] + box["width"] * 0.2, y)
        manager_page.mouse.down()
        manager_page.mouse.move(box["x"] + box["width"] * 0.3, y, steps=5)
        manager_page.mouse.move(box["x"] + box["width"] * 0.4, y, steps=5)
        manager_page.mouse.up()
        expect(manager_page.locator("#composer-mode")).to_have_text("Comment on")
        where = manager_page.locator("#composer-at").inner_text()
        check("–" in where, f"dragging across the waveform did not select a range ({where})")
        manager_page.get_by_label("Question").check()
        manager_page.locator("#composer-body").fill("What did the customer mean by 'later'?")
        manager_page.get_by_role("button", name="Add comment").click()
        ranged = manager_page.locator(".comment", has_text="What did the customer mean")
        expect(ranged).to_be_visible()
        expect(ranged.locator(".seek")).to_contain_text("–")

        # The rep's open page shows the manager's comment without reloading.
        started = time.time()
        expect(rep_page.locator(".comment", has_text="What did the customer mean")).to_be_visible(timeout=5000)
        harness.log(f"the manager's comment appeared on the rep's page after {time.time() - started:.1f} s")

        # A manager above Mia opens the call before Mia scores it.
        senior = api.call("POST", "/v1/users", {"email": "sam@acme.test", "name": "Sam Senior", "role": "manager"})
        api.call("PATCH", f"/v1/users/{manager['id']}", {"manager_id": senior["id"]})
        senior_context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
        senior_page = senior_context.new_page()
        senior_page.set_default_timeout(20000)
        senior_page.goto(api.call("POST", f"/v1/users/{senior['id']}/invite")["url"])
        set_password(senior_page, server, "senior password 1")
        senior_page.goto(manager_page.url)
        wait_player(senior_page)

        scores = manager_page.locator(".scores")
        scores.get_by_label("2 Asks, rarely digs").check()
        scores.get_by_role("button", name="Save scores").click()
        expect(scores.locator(".score-status")).to_have_text("Scores saved.")

        # Sam's page still shows Discovery unscored: saving there is told
        # Mia scored it meanwhile, and replaces hers only when Sam says so.
        senior_scores = senior_page.locator(".scores")
        senior_scores.get_by_label("3 Digs into the pain").check()
        senior_scores.get_by_role("button", name="Save scores").click()
        conflict = senior_scores.locator(".conflict")
        expect(conflict).to_contain_text("Mia Manager saved the Discovery score")
        expect(conflict.locator("blockquote")).to_have_text("2")
        conflict.scroll_into_view_if_needed()
        senior_page.screenshot(path=str(harness.SCREENSHOTS / "call-room-score-conflict-desktop.png"))
        conflict.get_by_role("button", name="Keep yours").click()
        expect(senior_scores.locator(".score-status")).to_have_text("Scores saved.")
        senior_context.close()
        # Mia sees who gave Discovery now, and is asked before replacing it.
        manager_page.reload()
        wait_player(manager_page)
        discovery = scores.locator(".criterion", has_text="Discovery")
        expect(discovery.locator(".given")).to_contain_text("Sam Senior gave 3 on")
        asked: list[str] = []
        manager_page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        scores.get_by_label("2 Asks, rarely digs").check()
        scores.get_by_role("button", name="Save scores").click()
        expect(scores.locator(".score-status")).to_have_text("Scores saved.")
        check(any("Discovery (given by Sam Senior)" in m for m in asked),
              f"saving over Sam's score did not ask first: {asked}")
        expect(discovery.locator(".given")).to_have_text("You gave this just now.")
        manager_page.get_by_role("button", name="Finish manager review").click()
        manager_page.wait_for_load_state("networkidle")
        expect(manager_page.locator(".steps .current")).to_have_text("Manager reviewed")
        wait_player(manager_page)
        audit(manager_page, "call-room-manager", axe, manager_phone)

        # The 1:1: clips from the shared call's comments, the reel, three
        # commitments, held. A third moment, late in the call, so the segment
        # gets the three clips a 1:1 needs.
        api.call("POST", f"/v1/calls/{call_id}/comments",
                 {"at_ms": 30000, "body": "Strong close: the next step and its date.", "kind": "went_well"})
        manager_page.goto(f"{server.base}/team")
        manager_page.get_by_role("link", name="Ray Rep", exact=True).click()
        manager_page.get_by_label("Every").select_option("friday")
        manager_page.get_by_role("button", name="Set up weekly 1:1s").click()
        manager_page.wait_for_load_state("networkidle")
        manager_page.locator("#meetings-heading + ul a").first.click()
        expect(manager_page.get_by_role("heading", level=1)).to_have_text("1:1 with Ray Rep")
        expect(manager_page.locator(".budget-label")).to_contain_text("00:00 of 20:00")
        adds = manager_page.get_by_role("button", name=re.compile("^Add as clip"))
        available = adds.count()
        check(available >= 3, f"only {available} comments to clip from the shared call, not the 3 a 1:1 needs")
        # The room follows what happens elsewhere: a clip added in another tab
        # (or by the rep) shows here without a reload, and the same comment
        # cannot become a second clip.
        other_tab = manager_context.new_page()
        other_tab.goto(manager_page.url)
        first_add = other_tab.get_by_role("button", name=re.compile("^Add as clip")).first
        first_label = first_add.get_attribute("aria-label") or first_add.inner_text()
        first_add.click()
        expect(other_tab.locator(".clip")).to_have_count(1)
        other_tab.close()
        expect(manager_page.locator(".clip")).to_have_count(1, timeout=15000)
        check(manager_page.get_by_role("button", name=first_label).count() == 0,
              "the clipped comment can still be added as a clip")
        # Clip buttons change their parts of the room: typed notes stay,
        # and the page is not reloaded.
        manager_page.evaluate("window.filmroomStayed = true")
        manager_page.locator("#notes").fill("Typed while clipping")
        for count in (2, 3):
            manager_page.get_by_role("button", name=re.compile("^Add as clip")).first.click()
            expect(manager_page.locator(".clip")).to_have_count(count)
        clips = manager_page.locator(".clip")
        check(manager_page.evaluate("window.filmroomStayed === true"), "Add as clip reloaded the 1:1 room")
        expect(manager_page.locator("#notes")).to_have_value("Typed while clipping")
        manager_page.locator("#notes").fill("")
        check("00:00 of" not in manager_page.locator(".budget-label").inner_text(), "the budget did not count the clips")
        first_clip = manager_page.locator(".clip").first
        first_clip.locator("summary", has_text="In and out").click()
        # On the waveform: drag the end of the shaded clip to the left.
        wave = first_clip.locator(".clip-wave")
        expect(wave).to_have_attribute("data-ready", "true", timeout=20000)
        out_before = first_clip.get_by_label("Out").input_value()
        handle = wave.locator('[part~="region-handle-right"]')
        spot = handle.bounding_box()
        check(spot is not None, "the clip's region has no end handle to drag")
        y = spot["y"] + spot["height"] / 2
        manager_page.mouse.move(spot["x"] + spot["width"] / 2, y)
        manager_page.mouse.down()
        manager_page.mouse.move(spot["x"] - 60, y, steps=10)
        manager_page.mouse.up()
        out_after = first_clip.get_by_label("Out").input_value()
        check(clock_ms(out_after) < clock_ms(out_before) - 500,
              f"dragging the clip's end moved Out from {out_before} to {out_after}")
        check(first_clip.get_by_role("button", name=re.compile("^Play from in to out")).is_enabled(),
              "the clip's range cannot be played")
        audit(manager_page, "one-on-one-in-out", axe, manager_phone)
        first_clip.get_by_role("button", name=re.compile("^Save")).click()
        manager_page.wait_for_load_state("networkidle")
        expect(manager_page.locator(".clip").first).to_contain_text("–" + out_after[:5])
        # Typed times work as well (the keyboard's way).
        first_clip = manager_page.locator(".clip").first
        first_clip.locator("summary", has_text="In and out").click()
        first_clip.get_by_label("Out").fill("0:12")
        first_clip.get_by_role("button", name=re.compile("^Save")).click()
        manager_page.wait_for_load_state("networkidle")
        expect(manager_page.locator(".clip").first).to_contain_text("–00:12")
        # The same editor with the page's Content-Security-Policy in force
        # (the other contexts bypass it to inject axe): it draws, and "Play
        # from in to out" plays the clip and stops at its out point.
        strict = browser.new_context(viewport=DESKTOP, storage_state=manager_context.storage_state())
        strict_page = strict.new_page()
        refused: list[str] = []
        strict_page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        strict_page.goto(manager_page.url)
        strict_clip = strict_page.locator(".clip").first
        strict_clip.locator("summary", has_text="In and out").click()
        expect(strict_clip.locator(".clip-wave")).to_have_attribute("data-ready", "true", timeout=20000)
        strict_clip.get_by_role("button", name=re.compile("^Play from in to out")).click()
        strict_page.wait_for_function(
            "() => { const a = document.getElementById('clip-audio');"
            " return a && a.src.includes('start_ms=8000&end_ms=12000') && a.currentTime > 0.3; }",
            timeout=15000)
        strict_page.wait_for_function("() => document.getElementById('clip-audio').ended", timeout=15000)
        length = strict_page.evaluate("() => document.getElementById('clip-audio').duration")
        check(abs(length - 4.0) < 0.3, f"Play from in to out played {length:.1f} s of a 4 s clip")
        check(not refused, f"the page's policy refused something: {refused}")
        strict.close()
        # Drag the last clip onto the first: it leads the segment.
        ranges = [manager_page.locator(".clip").nth(i).locator("div").first.inner_text() for i in range(clips.count())]
        manager_page.locator(".clip").last.drag_to(manager_page.locator(".clip").first)
        manager_page.wait_for_load_state("load")
        expect(manager_page.locator(".clip").first.locator("div").first).to_have_text(ranges[-1])
        manager_page.get_by_role("button", name="▶ Play the reel").click()
        manager_page.wait_for_function(
            "() => { const a = document.getElementById('reel-audio'); return a && a.currentTime > 0.5; }",
            timeout=15000)
        manager_page.evaluate("() => document.getElementById('reel-audio').pause()")
        for text, owner in [("Ask for the budget owner by name", "Ray Rep"),
                            ("Role-play the pricing objection", "Mia Manager"),
                            ("Share the call with the team at https://wiki.acme.test/sales/enablement/call-library/discovery-calls-that-found-the-real-problem-2026", "Ray Rep")]:
            manager_page.get_by_label("Commitment").fill(text)
            manager_page.get_by_label("Owner").select_option(label=owner)
            manager_page.get_by_label("Due").fill("2030-01-15")
            manager_page.get_by_role("button", name="Add action item").click()
            manager_page.wait_for_load_state("networkidle")
            expect(manager_page.locator(".items li", has_text=text)).to_be_visible()
        # Two people writing notes: the rep's page, opened before the manager
        # saved, is told what the manager wrote and keeps the rep's words
        # until the rep chooses.
        notes_tab = rep_context.new_page()
        notes_tab.goto(manager_page.url)
        notes_tab.locator("#notes").fill("Rep: I want to practise the pricing pause")
        manager_page.locator("#notes").fill("Manager: budget owner first")
        manager_page.get_by_role("button", name="Save notes").click()
        expect(manager_page.locator(".notes-status")).to_have_text("Notes saved.")
        notes_tab.get_by_role("button", name="Save notes").click()
        conflict = notes_tab.locator(".conflict")
        expect(conflict).to_contain_text("Mia Manager saved the notes")
        expect(conflict.locator("blockquote")).to_have_text("Manager: budget owner first")
        expect(notes_tab.locator("#notes")).to_have_value("Rep: I want to practise the pricing pause")
        conflict.scroll_into_view_if_needed()
        notes_tab.screenshot(path=str(harness.SCREENSHOTS / "one-on-one-notes-conflict-desktop.png"))
        notes_tab.set_viewport_size(PHONE)
        conflict.scroll_into_view_if_needed()
        notes_tab.screenshot(path=str(harness.SCREENSHOTS / "one-on-one-notes-conflict-phone.png"))
        notes_tab.set_viewport_size(DESKTOP)
        conflict.get_by_role("button", name="Keep theirs").click()
        expect(notes_tab.locator("#notes")).to_have_value("Manager: budget owner first")
        notes_tab.locator("#notes").fill("Manager: budget owner first\nRep: practise the pricing pause")
        notes_tab.get_by_role("button", name="Save notes").click()
        expect(notes_tab.locator(".notes-status")).to_have_text("Notes saved.")
        notes_tab.close()
        # The manager's page, not being typed in, follows without a reload.
        expect(manager_page.locator("#notes")).to_have_value(
            "Manager: budget owner first\nRep: practise the pricing pause", timeout=15000)
        check(manager_page.evaluate("window.filmroomStayed === true"), "the 1:1 room reloaded")
        audit(manager_page, "one-on-one", axe, manager_phone)
        manager_page.get_by_role("button", name="Mark held").click()
        manager_page.wait_for_load_state("networkidle")
        expect(manager_page.locator(".call-header .state")).to_have_text("Held")
        audit(manager_page, "one-on-one-held", axe, manager_phone)
        held_url = manager_page.url

        # The rep's profile: scores over the weeks, a focus skill started.
        manager_page.goto(f"{server.base}/team")
        manager_page.get_by_role("link", name="Ray Rep", exact=True).click()
        expect(manager_page.get_by_role("heading", level=1)).to_have_text("Ray Rep")
        check(manager_page.locator(".criterion-chart svg circle.manager").count() >= 1, "no manager score drawn on the profile")
        manager_page.get_by_label("Diagnosis: what you see on the calls").fill("Moves to the pitch before the pain is clear.")
        manager_page.get_by_label("The plan in words").fill("Role-play three discovery openings before Friday.")
        manager_page.get_by_role("button", name="Start this focus").click()
        manager_page.wait_for_load_state("networkidle")
        expect(manager_page.locator("#focus-heading + p")).to_contain_text("since")
        expect(manager_page.get_by_role("button", name="Achieved")).to_be_visible()
        audit(manager_page, "rep-profile", axe, manager_phone)
        # The next 1:1 opens with last time's commitments, first on the agenda.
        meetings = manager_page.locator("#meetings-heading + ul a")
        hrefs = [meetings.nth(i).get_attribute("href") for i in range(meetings.count())]
        held_path = held_url.replace(server.base, "")
        manager_page.goto(f"{server.base}{hrefs[hrefs.index(held_path) + 1]}")
        expect(manager_page.locator(".agenda li").first).to_contain_text("Open commitments from earlier 1:1s")
        carried = manager_page.locator("#carried-heading + ul li")
        expect(carried).to_have_count(3)
        expect(carried.first).to_contain_text("Ask for the budget owner by name")

        manager_page.goto(f"{server.base}/search?q=answering")
        hit = manager_page.locator(".hits a").first
        expect(hit).to_be_visible()
        audit(manager_page, "search", axe, manager_phone)
        hit.click()
        wait_player(manager_page)
        check(abs(current_time(manager_page) - half) < 1.5, "a search hit did not open the call at its moment")

        manager_page.goto(f"{server.base}/account")
        manager_page.get_by_label("Token name").fill("crm sync")
        manager_page.get_by_label("Your password").fill("manager password 1")
        manager_page.get_by_role("button", name="Make a token").click()
        expect(manager_page.locator("#new-token")).to_contain_text("fr_")
        digest = manager_page.get_by_label("A morning digest of shared calls waiting for your review")
        expect(digest).to_be_checked()
        digest.uncheck()
        manager_page.get_by_role("button", name="Save email choices").click()
        expect(manager_page.locator(".notice")).to_have_text("Your email choices are saved.")
        expect(manager_page.get_by_label("A morning digest of shared calls waiting for your review")).not_to_be_checked()
        expect(manager_page.get_by_label("A notice the day before a 1:1, with its agenda")).to_be_checked()
        audit(manager_page, "account", axe, manager_phone)
        # A time zone of one's own: every time on the pages follows it, in one format.
        manager_page.get_by_label("Times on your pages and in your emails").select_option("America/New_York")
        manager_page.get_by_role("button", name="Save time zone").click()
        expect(manager_page.locator(".notice")).to_have_text("Times are now shown in America/New_York.")
        manager_page.goto(held_url)
        when = manager_page.locator(".call-header time").first.inner_text()
        check(when.endswith("EST"), f"the 1:1 time is {when!r}, not in the manager's own zone")
        check("America/New_York" in manager_page.locator("label[for='scheduled-at']").inner_text()
              if manager_page.locator("label[for='scheduled-at']").count() else True,
              "the 1:1's new-time field is not in the manager's zone")
        manager_page.goto(f"{server.base}/account")
        manager_page.get_by_label("Times on your pages and in your emails").select_option("")
        manager_page.get_by_role("button", name="Save time zone").click()
        expect(manager_page.locator(".notice")).to_contain_text("follow your organisation")

        # The rep opens the same 1:1 from their side.
        rep_page.goto(held_url)
        expect(rep_page.get_by_role("heading", level=1)).to_have_text("1:1 with Mia Manager")
        expect(rep_page.locator(".clip")).to_have_count(min(available, 3))
        check(rep_page.get_by_role("button", name="Mark held").count() == 0, "the rep is offered Mark held")
        rep_page.goto(f"{server.base}/")
        # The 1:1 held with a clip from it: the call was discussed.
        expect(rep_page.locator(".slot-went_well .state")).to_have_text("Discussed")
        audit(rep_page, "rep-home-reviewed", axe, rep_phone)

        # A dialer's stereo call with the rep on channel 2 shows two labelled lanes.
        dialer = api.call("POST", "/v1/integration-tokens", {"name": "Dialer", "source": "dialer", "rep_channel": 2})
        stereo = pathlib.Path(tempfile.mkdtemp()) / "stereo.wav"
        harness.dialogue_wav(stereo, [(1, 0.5), (0, 3.5), (1, 6.5), (1, 9.0), (0, 12.0)], seconds=20)
        pushed = harness.Api(server.base, dialer["secret"]).multipart(
            "/v1/integrations/calls",
            {"rep": {"email": "ray@acme.test"}, "external_ref": "dialer-0001", "title": "Dialer call with Globex"},
            stereo.read_bytes(),
        )
        api.wait_ready(pushed["id"])
        rep_page.goto(f"{server.base}/calls/{pushed['id']}")
        wait_player(rep_page)
        expect(rep_page.locator(".lane-labels span")).to_have_text(["Customer", "Rep"])
        # Who spoke when, and the conversation figures with the rep on channel 2.
        expect(rep_page.locator("#speech-lanes .speech-lane")).to_have_count(2)
        expect(rep_page.locator("#speech-lanes .speech-legend")).to_contain_text("Customer")
        check(rep_page.locator("#speech-lanes .lane-rep span").count() >= 1, "no speech drawn on the rep's lane")
        conversation = rep_page.locator(".conversation")
        expect(conversation).to_contain_text("Talk ratio")
        story = conversation.locator("button", has_text=":")
        check(story.count() >= 1, "no longest monologue or story to jump to")
        monologue = conversation.locator("div", has_text="Rep's longest monologue").locator("button")
        monologue.click()
        time.sleep(0.3)
        check(current_time(rep_page) > 1.0, f"the longest monologue button seeked to {current_time(rep_page):.2f} s")
        audit(rep_page, "call-room-stereo", axe, rep_phone)

        # The admin's setup: invite a rep, publish a rubric, make a dialer token.
        admin_context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
        admin_page = admin_context.new_page()
        admin_page.set_default_timeout(20000)
        admin_page.goto(admin_link)
        set_password(admin_page, server, "admin password 12")
        admin_page.get_by_role("link", name="Admin").click()
        expect(admin_page.get_by_role("heading", level=1)).to_have_text("People")
        admin_page.get_by_label("Name", exact=True).fill("Rita Rep")
        admin_page.get_by_label("Email").fill("rita@acme.test")
        admin_page.locator("#new-role").select_option("rep")
        admin_page.locator("#new-manager").select_option(label="Mia Manager")
        admin_page.get_by_role("button", name="Add and make an invite link").click()
        invite = admin_page.locator("#new-link").inner_text()
        check("/welcome/" in invite, f"no invite link shown: {invite}")
        expect(admin_page.locator(".person", has_text="Rita Rep")).to_contain_text("reports to Mia Manager")
        # A row's change forms are fetched when it is opened.
        rita = admin_page.locator(".person", has_text="Rita Rep")
        rita.locator("summary").click()
        expect(rita.locator("select[name=manager_id] option:checked")).to_have_text("Mia Manager")
        expect(rita.get_by_role("button", name="Deactivate")).to_be_visible()
        admin_phone = browser.new_context(viewport=PHONE, bypass_csp=True, storage_state=admin_context.storage_state())
        audit(admin_page, "admin-people", axe, admin_phone)
        invited = anonymous.new_page()
        invited.goto(invite)
        expect(invited.get_by_role("heading", level=1)).to_contain_text("Rita Rep")
        invited.close()

        admin_page.get_by_role("link", name="Rubric").click()
        expect(admin_page.locator(".lead")).to_contain_text("Version 1 is in use")
        last = admin_page.locator("fieldset.criterion-edit").last
        last.get_by_label("Key").fill("objections")
        last.get_by_label("Name").fill("Handling objections")
        last.get_by_label("Levels, one a line").fill("1: Argues with the customer\n3: Acknowledges the concern\n5: Explores what is behind it")
        admin_page.get_by_role("button", name="Publish the rubric").click()
        admin_page.wait_for_load_state("networkidle")
        expect(admin_page.locator(".lead")).to_contain_text("Version 2 is in use")
        expect(admin_page.locator("fieldset.criterion-edit legend", has_text="Handling objections")).to_be_visible()
        audit(admin_page, "admin-rubric", axe, admin_phone)

        admin_page.get_by_role("link", name="Settings").click()
        admin_page.get_by_label("to (%)").fill("60")
        admin_page.get_by_role("button", name="Save settings").click()
        expect(admin_page.locator(".settings-status")).to_have_text("Settings saved.")
        audit(admin_page, "admin-settings", axe, admin_phone)

        admin_page.get_by_role("link", name="Integrations").click()
        admin_page.get_by_label("Name").fill("Twilio")
        admin_page.get_by_label("Source (the dialer, lower case)").fill("twilio")
        admin_page.get_by_role("button", name="Make a token").click()
        check(admin_page.locator("#new-integration-token").inner_text().startswith("fri_"), "no integration token shown")
        expect(admin_page.locator("#callback-url")).to_contain_text("/v1/integrations/twilio/recording-status?integration_id=")
        audit(admin_page, "admin-integrations", axe, admin_phone)

        # Email Rita her sign-in link; the email log says when it went out.
        admin_page.get_by_role("link", name="People").click()
        rita = admin_page.locator(".person", has_text="Rita Rep")
        rita.locator("summary").click()
        rita.get_by_role("button", name="Email a sign-in link").click()
        expect(admin_page.get_by_role("heading", level=1)).to_have_text("Email")
        expect(admin_page.locator(".notice")).to_contain_text("An email to rita@acme.test is queued")
        mail = sink.wait_for("rita@acme.test")
        deadline = time.time() + 20
        while "Sent" not in admin_page.locator(".rows").inner_text() and time.time() < deadline:
            time.sleep(0.3)
            admin_page.reload()
        expect(admin_page.locator(".rows")).to_contain_text("Sent")
        expect(admin_page.locator(".rows > li")).to_have_count(1)
        expect(admin_page.locator(".rows")).to_contain_text("Rita Rep <rita@acme.test>")
        audit(admin_page, "admin-email", axe, admin_phone)

        # The email's one-click unsubscribe link: a page that asks, then says.
        found = re.search(r"List-Unsubscribe: <([^>]+)>", mail)
        check(found is not None, "the invite has no List-Unsubscribe header")
        if found:
            signed_out = browser.new_context(viewport=DESKTOP, bypass_csp=True)
            anonymous_page = signed_out.new_page()
            anonymous_page.goto(found.group(1))
            expect(anonymous_page.get_by_role("heading", level=1)).to_have_text("Stop these emails?")
            audit(anonymous_page, "unsubscribe", axe, anonymous)
            anonymous_page.get_by_role("button", name="Stop these emails").click()
            expect(anonymous_page.get_by_role("heading", level=1)).to_have_text("You will not get these emails")
            expect(anonymous_page.locator("main")).to_contain_text("rita@acme.test no longer gets invitations")
            audit(anonymous_page, "unsubscribed", axe, anonymous)
        browser.close()


if __name__ == "__main__":
    main()
