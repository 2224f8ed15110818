//! Email against a real SMTP server (aiosmtpd, started by the test): the
//! emailed invite, the nomination reminder, the manager's digest and the
//! "1:1 tomorrow" notice at their times (the clock injected through `filmroom
//! admin send-reminders --at`, never slept), at most one per person and
//! period across a restart, one-click unsubscribe honoured, and a refused
//! send retried and shown to admins.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, TimeZone, Utc, Weekday};
use filmroom_tests::{Team, TestApp, filmroom};
use serde_json::{Value, json};

/// aiosmtpd on a free loopback port, keeping each accepted message as a file.
struct Sink {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Sink {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("smtp").join("sink.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .args(["--port", &port.to_string(), "--dir"])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the SMTP server of the email tests; install Python 3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP server did not start");
        Self { child, dir, port }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// While on, every message gets a temporary failure (451).
    fn refuse(&self, on: bool) {
        self.mark("refuse", on);
    }

    /// While on, every message gets a permanent failure (550).
    fn reject(&self, on: bool) {
        self.mark("reject", on);
    }

    fn mark(&self, name: &str, on: bool) {
        let marker = self.dir.path().join(name);
        if on {
            std::fs::write(marker, b"").unwrap();
        } else {
            let _ = std::fs::remove_file(marker);
        }
    }

    fn messages(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files.iter().map(|f| Mail::read(f)).collect()
    }

    /// Waits until `count` messages arrived, and a moment for a stray extra one.
    fn wait_for(&self, count: usize) -> Vec<Mail> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.messages().len() < count {
            assert!(Instant::now() < deadline, "{count} emails expected: {:#?}", self.messages());
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(1500));
        let messages = self.messages();
        assert_eq!(messages.len(), count, "exactly {count} emails expected: {messages:#?}");
        messages
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One received message: its headers (names lower-cased), and its text
/// and HTML parts as the SMTP server's MIME parser decoded them.
#[derive(Debug, Clone)]
struct Mail {
    headers: Vec<(String, String)>,
    body: String,
    html: Option<String>,
}

impl Mail {
    fn read(path: &Path) -> Self {
        let raw = std::fs::read_to_string(path).unwrap().replace("\r\n", "\n");
        let head = raw.split_once("\n\n").map_or(raw.as_str(), |(head, _)| head);
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some(last) = headers.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(line.trim());
                }
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_lowercase(), value.trim().to_owned()));
            }
        }
        let parts: Value =
            serde_json::from_str(&std::fs::read_to_string(path.with_extension("json")).unwrap())
                .unwrap();
        let part = |kind: &str| parts[kind].as_str().map(str::to_owned);
        Self { headers, body: part("plain").expect("a text part"), html: part("html") }
    }

    fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
    }

    fn to(&self) -> &str {
        self.header("x-envelope-to")
    }

    /// The first link in the body that starts with `prefix`.
    fn link(&self, prefix: &str) -> String {
        let start = self.body.find(prefix).unwrap_or_else(|| panic!("no {prefix} in {self:#?}"));
        self.body[start..].split_whitespace().next().unwrap().to_owned()
    }

    fn unsubscribe_url(&self) -> String {
        self.header("list-unsubscribe").trim_matches(['<', '>']).to_owned()
    }
}

fn app_with(sink: &Sink) -> TestApp {
    TestApp::spawn_with(&[
        ("FILMROOM_SMTP_URL", &sink.url()),
        ("FILMROOM_SMTP_FROM", "filmroom <coach@acme.example>"),
        ("FILMROOM_RETRY_BASE_SECS", "1"),
        // The schedule runs only when the test says, at the instant it says.
        ("FILMROOM_REMINDER_INTERVAL_SECS", "0"),
    ])
}

/// Runs the schedule at `at`; returns how many emails it queued.
fn send_reminders(app: &TestApp, at: chrono::DateTime<Utc>) -> usize {
    let output = filmroom(&app.env)
        .args(["admin", "send-reminders", "--at", &at.to_rfc3339()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "{said}");
    said.split(" email(s) queued")
        .next()
        .and_then(|head| head.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {said}"))
}

fn berlin(date: NaiveDate, hour: u32) -> chrono::DateTime<Utc> {
    chrono_tz::Europe::Berlin
        .from_local_datetime(&date.and_hms_opt(hour, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

fn emails(app: &TestApp, admin: &str, query: &str) -> Vec<Value> {
    let reply = app.get(&format!("/v1/emails{query}"), admin);
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["items"].as_array().unwrap().clone()
}

/// Waits until the log lists `count` emails with `status` (the row is
/// written just after the mail server answers).
fn wait_for_status(app: &TestApp, admin: &str, status: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let listed = emails(app, admin, &format!("?status={status}&limit=100"));
        if listed.len() >= count {
            assert_eq!(listed.len(), count, "{listed:?}");
            return listed;
        }
        assert!(Instant::now() < deadline, "{count} {status} emails expected: {listed:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_emailed_invite_is_retried_while_the_mail_server_refuses_and_its_link_works() {
    let sink = Sink::start();
    sink.refuse(true);
    let app = app_with(&sink);
    let team = Team::create(&app, "Acme");
    let newcomer = app.create_user(&team.admin, "newcomer@acme.example", "rep", None);
    // A link made by hand before the email: the emailed one replaces it.
    let copied = app.post(&format!("/v1/users/{newcomer}/invite"), &team.admin, json!({}));
    let copied = copied.json()["url"].as_str().unwrap().to_owned();

    app.post(&format!("/v1/users/{newcomer}/invite-email"), &team.rep, json!({}))
        .problem(403, "forbidden");
    let queued = app.post(&format!("/v1/users/{newcomer}/invite-email"), &team.admin, json!({}));
    assert_eq!(queued.status, 202, "{}", queued.text);
    assert_eq!(queued.json()["status"], "queued");
    assert_eq!(queued.json()["kind"], "invite");

    // The refusal is visible to admins while the send is retried.
    let deadline = Instant::now() + Duration::from_secs(60);
    let retrying = loop {
        let listed = emails(&app, &team.admin, "?status=retrying,failed");
        if let Some(found) = listed.first() {
            break found.clone();
        }
        assert!(Instant::now() < deadline, "the refused send was not shown");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(retrying["recipient_email"], "newcomer@acme.example");
    assert_eq!(retrying["status"], "retrying");
    assert!(retrying["last_error"].as_str().unwrap().contains("451"), "{retrying}");
    assert!(retrying["attempts"].as_i64().unwrap() >= 1);
    app.get("/v1/emails", &team.manager).problem(403, "forbidden");
    app.get("/v1/emails?status=lost", &team.admin).problem(400, "invalid_query");

    sink.refuse(false);
    let mail = sink.wait_for(1).remove(0);
    assert_eq!(mail.to(), "newcomer@acme.example");
    assert!(mail.header("subject").contains("invited to Acme"), "{mail:#?}");
    assert!(mail.header("from").contains("coach@acme.example"));
    assert_eq!(mail.header("list-unsubscribe-post"), "List-Unsubscribe=One-Click");
    let sent = wait_for_status(&app, &team.admin, "sent", 1);
    assert!(sent[0]["attempts"].as_i64().unwrap() >= 2);
    assert!(sent[0]["sent_at"].is_string());
    // Each refused attempt was composed with its own unsubscribe link; only
    // the one that went out is kept.
    assert_eq!(app.count("SELECT COUNT(*) FROM unsubscribe_tokens"), 1);

    // The link in the email opens the page that sets the password, and it
    // is the newest link: the email made it when it went out.
    let link = mail.link(&format!("{}/welcome/", app.base_url));
    let opened = app.client.get(&link).send().unwrap();
    assert_eq!(opened.status(), 200);
    assert!(opened.text().unwrap().contains("Choose a password"));
    assert_eq!(app.client.get(&copied).send().unwrap().status(), 410);

    // Another organisation's admin sees none of it and cannot resend it.
    let other = app.bootstrap("Globex", "admin@globex.example");
    assert!(emails(&app, &other, "").is_empty());
    let acme_email = sent[0]["id"].as_str().unwrap();
    app.post(&format!("/v1/emails/{acme_email}/retry"), &other, json!({}))
        .problem(404, "email_not_found");
    app.post(&format!("/v1/emails/{acme_email}/retry"), &team.admin, json!({}))
        .problem(409, "email_not_failed");

    // A permanent refusal fails the email at once; an admin sends it again,
    // once however often they press.
    sink.reject(true);
    let second = app.create_user(&team.admin, "second@acme.example", "rep", None);
    let queued = app.post(&format!("/v1/users/{second}/invite-email"), &team.admin, json!({}));
    assert_eq!(queued.status, 202, "{}", queued.text);
    let failed = wait_for_status(&app, &team.admin, "failed", 1);
    assert_eq!(failed[0]["attempts"], 1, "no retries after a 550: {failed:?}");
    assert!(failed[0]["last_error"].as_str().unwrap().contains("550"), "{failed:?}");
    sink.reject(false);
    let failed_id = failed[0]["id"].as_str().unwrap();
    let again = app.post(&format!("/v1/emails/{failed_id}/retry"), &team.admin, json!({}));
    assert_eq!(again.status, 202, "{}", again.text);
    assert_eq!(again.json()["status"], "queued");
    assert!(again.json()["last_error"].is_null());
    let twice = app.post(&format!("/v1/emails/{failed_id}/retry"), &team.admin, json!({}));
    assert_ne!(twice.status, 202, "a second press queued a second send: {}", twice.text);
    wait_for_status(&app, &team.admin, "sent", 2);
    let mails = sink.wait_for(2);
    assert_eq!(mails[1].to(), "second@acme.example");

    // One click on List-Unsubscribe (RFC 8058) turns invites off.
    let unsubscribed = app
        .client
        .post(mail.unsubscribe_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .unwrap();
    assert_eq!(unsubscribed.status(), 200);
    app.post(&format!("/v1/users/{newcomer}/invite-email"), &team.admin, json!({}))
        .problem(409, "email_turned_off");
    let forged =
        app.client.post(format!("{}/unsubscribe/fru_forged", app.base_url)).send().unwrap();
    assert_eq!(forged.status(), 404);
}

#[test]
fn a_server_without_smtp_says_so_instead_of_queueing() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    app.post(&format!("/v1/users/{}/invite-email", team.rep_id), &team.admin, json!({}))
        .problem(409, "email_not_configured");
    // People can still choose what they will get once email is on.
    let turned = app.patch("/v1/me/email-preferences", &team.rep, json!({"review_digest": false}));
    assert_eq!(turned.status, 200, "{}", turned.text);
    assert_eq!(turned.json()["review_digest"], false);
    assert_eq!(turned.json()["nomination_reminder"], true);
    app.patch("/v1/me/email-preferences", &team.rep, json!({"spam": true}))
        .problem(422, "unknown_field");
}

#[test]
fn reminders_digests_and_one_on_one_notices_go_out_once_per_period_even_across_a_restart() {
    let sink = Sink::start();
    let mut app = app_with(&sink);
    let team = Team::create(&app, "Acme");
    let series = app.post(
        "/v1/one-on-one-series",
        &team.manager,
        json!({"rep_id": team.rep_id, "weekday": "tuesday", "time": "09:30", "duration_minutes": 30,
               "agenda": ["Last week's action items", "Pipeline"]}),
    );
    assert_eq!(series.status, 201, "{}", series.text);

    // A week three weeks ahead: the rep shares the call they struggled with
    // and has not picked one that went well.
    let day = Utc::now().date_naive() + chrono::Duration::days(21);
    let iso = day.iso_week();
    let week = format!("{}-W{:02}", iso.year(), iso.week());
    let thursday = NaiveDate::from_isoywd_opt(iso.year(), iso.week(), Weekday::Thu).unwrap();
    let call = app.ready_call(&team.rep, &team.rep_id, "speech-16k-mono.mp3", "audio/mpeg");
    let slot = format!("/v1/reps/{}/weeks/{week}/nominations/struggled", team.rep_id);
    assert_eq!(app.put_json(&slot, &team.rep, json!({"call_id": call})).status, 200);
    app.comment(&team.rep, &call, 10, "improve");
    for state in ["self_reviewed", "shared"] {
        let moved = app.post(&format!("{slot}/state"), &team.rep, json!({"state": state}));
        assert_eq!(moved.status, 200, "{}", moved.text);
    }

    // Wednesday: nothing is due yet (the digest waits for weekday mornings,
    // 08:00 Berlin; the reminder for the morning before the deadline).
    assert_eq!(send_reminders(&app, berlin(thursday.pred_opt().unwrap(), 7)), 0);

    // Thursday morning: the rep's reminder and the manager's digest.
    assert_eq!(send_reminders(&app, berlin(thursday, 10)), 2);
    let mails = sink.wait_for(2);
    let reminder = mails.iter().find(|m| m.to() == "rep@acme.example").expect("reminder");
    assert!(reminder.header("subject").contains(&week), "{reminder:#?}");
    assert!(reminder.body.contains("a call that went well"), "{reminder:#?}");
    assert!(!reminder.body.contains("struggled with"), "the filled slot is not asked for");
    let digest = mails.iter().find(|m| m.to() == "manager@acme.example").expect("digest");
    assert!(digest.header("subject").contains("1 shared call waits"), "{digest:#?}");
    assert!(digest.body.contains(&format!("/calls/{call}")), "{digest:#?}");

    // Once per period: again on Thursday, nothing; after a crash and
    // restart on Friday, only Friday's digest, not a second reminder.
    assert_eq!(send_reminders(&app, berlin(thursday, 11)), 0);
    app.restart();
    let friday = thursday.succ_opt().unwrap();
    assert_eq!(send_reminders(&app, berlin(friday, 9)), 1);
    let mails = sink.wait_for(3);
    assert_eq!(mails[2].to(), "manager@acme.example");

    // The day before the next 1:1: both get the notice with the agenda.
    let meetings = app.get(&format!("/v1/one-on-ones?rep={}", team.rep_id), &team.manager).json();
    let first = meetings["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| {
            let at: chrono::DateTime<Utc> = m["scheduled_at"].as_str().unwrap().parse().unwrap();
            at > Utc::now() + chrono::Duration::hours(1)
        })
        .unwrap()
        .clone();
    let starts: chrono::DateTime<Utc> = first["scheduled_at"].as_str().unwrap().parse().unwrap();
    let eve = starts - chrono::Duration::hours(20);
    // The eve is a Monday afternoon, so that day's digest goes out too.
    assert_eq!(send_reminders(&app, eve), 3);
    let mails = sink.wait_for(6);
    let notices: Vec<&Mail> =
        mails.iter().filter(|m| m.header("subject").starts_with("1:1 with")).collect();
    assert_eq!(notices.len(), 2, "{mails:#?}");
    for notice in &notices {
        assert!(notice.body.contains("Pipeline"), "{notice:#?}");
        assert!(notice.body.contains(&format!("/one-on-ones/{}", first["id"].as_str().unwrap())));
    }
    assert!(notices.iter().any(|m| m.to() == "rep@acme.example"));

    // The rep unsubscribes from reminders from the email itself (the page
    // asks first; its button turns them off). The email came from before the
    // restart, when the test server had another port.
    let path = reminder.unsubscribe_url();
    let path = &path[path.find("/unsubscribe/").unwrap()..];
    let unsubscribe = format!("{}{path}", app.base_url);
    let page = app.client.get(&unsubscribe).send().unwrap().text().unwrap();
    assert!(page.contains("Stop these emails"), "{page}");
    let done = app.client.post(&unsubscribe).send().unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().unwrap().contains("no longer gets"));
    let choices = app.get("/v1/me/email-preferences", &team.rep).json();
    assert_eq!(choices["nomination_reminder"], false, "{choices}");
    let next_thursday = thursday + chrono::Duration::days(7);
    assert_eq!(send_reminders(&app, berlin(next_thursday, 10)), 1, "only the digest");
    let mails = sink.wait_for(7);
    assert_eq!(mails[6].to(), "manager@acme.example");

    // Turned back on, the reminder comes again the week after.
    let back =
        app.patch("/v1/me/email-preferences", &team.rep, json!({"nomination_reminder": true}));
    assert_eq!(back.json()["nomination_reminder"], true);
    assert_eq!(send_reminders(&app, berlin(next_thursday + chrono::Duration::days(7), 10)), 2);
    sink.wait_for(9);
    wait_for_status(&app, &team.admin, "sent", 9);
}

#[test]
fn an_invite_says_what_filmroom_is_for_in_the_persons_role() {
    let sink = Sink::start();
    let app = app_with(&sink);
    let team = Team::create(&app, "Acme");
    let rep = app.create_user(&team.admin, "new.rep@acme.example", "rep", None);
    let manager = app.create_user(&team.admin, "new.manager@acme.example", "manager", None);
    for user in [&rep, &manager] {
        let queued = app.post(&format!("/v1/users/{user}/invite-email"), &team.admin, json!({}));
        assert_eq!(queued.status, 202, "{}", queued.text);
    }
    let mails = sink.wait_for(2);
    let body_to = |to: &str| {
        let mail = mails.iter().find(|m| m.to() == to).unwrap_or_else(|| panic!("no mail to {to}"));
        mail.body.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let for_rep = body_to("new.rep@acme.example");
    assert!(for_rep.contains("you pick two of your calls"), "{for_rep}");
    let for_manager = body_to("new.manager@acme.example");
    assert!(
        !for_manager.contains("pick two of your calls"),
        "a manager told to pick calls: {for_manager}"
    );
    assert!(for_manager.contains("your reps pick two of their calls"), "{for_manager}");
}

/// Each email carries an HTML part beside its text (multipart/alternative):
/// the same words, links that can be clicked, and every value escaped.
#[test]
fn an_email_has_an_html_part_beside_its_text_with_every_value_escaped() {
    let sink = Sink::start();
    let app = app_with(&sink);
    let team = Team::create(&app, "Acme");
    let created = app.post(
        "/v1/users",
        &team.admin,
        json!({"email": "ann@acme.example", "name": "Ann <script>alert(1)</script> & \"Co\"", "role": "rep"}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let queued = app.post(&format!("/v1/users/{id}/invite-email"), &team.admin, json!({}));
    assert_eq!(queued.status, 202, "{}", queued.text);
    let mail = sink.wait_for(1).remove(0);
    assert!(mail.header("content-type").starts_with("multipart/alternative"), "{mail:#?}");
    assert!(mail.body.contains("Hello Ann <script>alert(1)</script> & \"Co\","), "{}", mail.body);
    let html = mail.html.clone().expect("an HTML part");
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("Hello Ann &#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;Co&#34;,"),
        "{html}"
    );
    let link = mail.link(&format!("{}/welcome/", app.base_url));
    assert!(html.contains(&format!("<a href=\"{link}\">{link}</a>")), "{html}");
    assert!(html.contains(&format!("<a href=\"{}\">", mail.unsubscribe_url())), "{html}");
}

#[test]
fn a_server_without_the_required_starttls_fails_at_once_saying_so() {
    let sink = Sink::start();
    // The sink offers no STARTTLS, which plain smtp:// requires by default.
    let required = sink.url().replace("?tls=none", "");
    let app = TestApp::spawn_with(&[
        ("FILMROOM_SMTP_URL", &required),
        ("FILMROOM_SMTP_FROM", "filmroom <coach@acme.example>"),
        ("FILMROOM_RETRY_BASE_SECS", "1"),
        ("FILMROOM_REMINDER_INTERVAL_SECS", "0"),
    ]);
    let team = Team::create(&app, "Acme");
    let newcomer = app.create_user(&team.admin, "newcomer@acme.example", "rep", None);
    let queued = app.post(&format!("/v1/users/{newcomer}/invite-email"), &team.admin, json!({}));
    assert_eq!(queued.status, 202, "{}", queued.text);
    let failed = wait_for_status(&app, &team.admin, "failed", 1);
    assert_eq!(failed[0]["attempts"], 1, "retried a refusal that cannot pass: {failed:?}");
    let error = failed[0]["last_error"].as_str().unwrap();
    assert!(error.contains("STARTTLS"), "the reason is not given: {error}");
}
