//! A scaled-out deployment under faults: two API processes and two workers
//! on one database and object store, a worker killed (SIGKILL) in the middle
//! of an analysis and an API process killed in the middle of an upload, while
//! calls are uploaded and reviews move through the week.
//!
//! Afterwards nothing is lost or doubled: every upload that was answered 200
//! is `ready` with its audio, each call was made ready once, and every
//! webhook event reached the receiver (counted by what it got, not by the
//! delivery log), a repeat only for a delivery cut off by the kill, carrying
//! the same delivery id.
//!
//! The counts are small by default so the suite stays quick;
//! `scripts/cluster-faults.sh` runs 100 uploads and 50 review moves on
//! PostgreSQL and s3s-fs (`FILMROOM_CLUSTER_UPLOADS`,
//! `FILMROOM_CLUSTER_REVIEW_MOVES`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    missing_docs
)]

use std::{
    collections::BTreeMap,
    io::Read,
    process::Child,
    sync::mpsc,
    time::{Duration, Instant},
};

use filmroom_tests::{Peer, Reply, Team, TestApp, WebhookReceiver, fixture};
use reqwest::Method;
use serde_json::{Value, json};

fn count_from_env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Settings every process of the cluster shares: jobs a killed worker held
/// are taken up again after 2 s; webhooks may go to the loopback receiver.
const CLUSTER_ENV: [(&str, &str); 3] = [
    ("FILMROOM_NO_WORKER", "true"),
    ("FILMROOM_JOB_LEASE_SECS", "2"),
    ("FILMROOM_ALLOW_PRIVATE_FETCH", "127.0.0.1"),
];
const WORKER_ENV: [(&str, &str); 3] = [
    ("FILMROOM_JOB_LEASE_SECS", "2"),
    ("FILMROOM_WORKER_CONCURRENCY", "2"),
    ("FILMROOM_DELIVERY_CONCURRENCY", "2"),
];

/// An upload body that sends its first half, then waits to be let go: the
/// API process receiving it is killed in between.
struct HeldBody {
    bytes: Vec<u8>,
    sent: usize,
    halfway: Option<mpsc::Sender<()>>,
    release: mpsc::Receiver<()>,
}

impl Read for HeldBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let half = self.bytes.len() / 2;
        if self.sent == half
            && let Some(halfway) = self.halfway.take()
        {
            let _ = halfway.send(());
            let _ = self.release.recv();
        }
        let end = if self.sent < half { half } else { self.bytes.len() };
        let n = buf.len().min(end - self.sent);
        buf[..n].copy_from_slice(&self.bytes[self.sent..self.sent + n]);
        self.sent += n;
        Ok(n)
    }
}

fn put_audio(request: reqwest::blocking::RequestBuilder, bytes: Vec<u8>) -> Reply {
    TestApp::send(request.header("content-type", "audio/wav").body(bytes))
}

/// A worker process, killed when dropped: a failing assertion must not
/// leave it running.
struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every event the organisation has, oldest first: (kind, call id).
fn all_events(app: &TestApp, admin: &str) -> BTreeMap<String, (String, String)> {
    let mut events = BTreeMap::new();
    let mut cursor = String::new();
    loop {
        let page = app.get(&format!("/v1/events?limit=200{cursor}"), admin).json();
        for e in page["items"].as_array().unwrap() {
            let call = e["payload"]["call_id"].as_str().unwrap_or_default().to_owned();
            events.insert(
                e["id"].as_str().unwrap().to_owned(),
                (e["kind"].as_str().unwrap().to_owned(), call),
            );
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return events,
        }
    }
}

/// The API process a load balancer picks for the `n`th request.
fn pick<'a>(
    n: usize,
    first: &'a TestApp,
    second: &'a Peer,
) -> impl Fn(Method, &str, &str) -> reqwest::blocking::RequestBuilder + 'a {
    move |method, path, token| {
        if n.is_multiple_of(2) {
            first.request(method, path, Some(token))
        } else {
            second.request(method, path, Some(token))
        }
    }
}

#[test]
fn a_cluster_that_loses_a_worker_and_an_api_process_loses_and_doubles_nothing() {
    let uploads = count_from_env("FILMROOM_CLUSTER_UPLOADS", 12).max(4);
    let review_moves = count_from_env("FILMROOM_CLUSTER_REVIEW_MOVES", 6).max(2) / 2 * 2;
    let nominations = review_moves / 2;
    assert!(
        nominations <= uploads && nominations <= 104,
        "one ready call per nomination, 52 weeks"
    );
    let app = TestApp::spawn_with(&CLUSTER_ENV);
    let second = app.spawn_peer(&CLUSTER_ENV);
    let team = Team::create(&app, "Acme");
    let receiver = WebhookReceiver::start(0);
    let created = app.post(
        "/v1/webhooks",
        &team.admin,
        json!({"url": receiver.url,
               "event_types": ["call.ready", "review.shared", "review.manager_reviewed"]}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    // The worker to be killed marks each analysis it starts, then takes a
    // second over it, so it is certainly in the middle of one when it dies.
    let started = app.data_dir().join("analysis-started");
    let slow = app.data_dir().join("slow-analyzer.sh");
    std::fs::write(
        &slow,
        format!(
            "#!/bin/sh\ntouch '{}'\nsleep 1\nexec '{}' \"$@\"\n",
            started.display(),
            filmroom_tests::binary().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&slow, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let slow = slow.to_str().unwrap().to_owned();
    let mut doomed_env = WORKER_ENV.to_vec();
    doomed_env.push(("FILMROOM_ANALYZER", &slow));
    let mut doomed_worker = Worker(app.spawn_worker(&doomed_env));

    let calls: Vec<String> =
        (0..uploads).map(|_| app.create_call(&team.rep, &team.rep_id)).collect();
    let wav = fixture("speech-8k-mono-s16.wav");
    let held_at = uploads / 2;
    let (halfway_tx, halfway_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    let mut other_worker = None;
    std::thread::scope(|scope| {
        // Dropped if this thread fails, which lets a held upload go on.
        let release_tx = release_tx;
        // The client: uploads go to both API processes in turn until the
        // second is killed with one half received, then to the first.
        let client = scope.spawn(|| {
            let mut held = Some((halfway_tx, release_rx));
            for (n, call) in calls.iter().enumerate() {
                let path = format!("/v1/calls/{call}/audio");
                if n == held_at
                    && let Some((halfway, release)) = held.take()
                {
                    let length = wav.len() as u64;
                    let body =
                        HeldBody { bytes: wav.clone(), sent: 0, halfway: Some(halfway), release };
                    let cut = second
                        .request(Method::PUT, &path, Some(&team.rep))
                        .header("content-type", "audio/wav")
                        .body(reqwest::blocking::Body::sized(body, length))
                        .send();
                    assert!(
                        cut.as_ref().map_or(true, |r| !r.status().is_success()),
                        "an upload cut off by a kill was answered as stored: {cut:?}"
                    );
                    // Not acknowledged, so the client sends it again.
                    let again =
                        put_audio(app.request(Method::PUT, &path, Some(&team.rep)), wav.clone());
                    assert_eq!(again.status, 200, "sending {call} again: {}", again.text);
                    continue;
                }
                // After the kill the load balancer sends everything to the first.
                let on = pick(if n < held_at { n } else { 0 }, &app, &second);
                let reply = put_audio(on(Method::PUT, &path, &team.rep), wav.clone());
                assert_eq!(reply.status, 200, "uploading {call}: {}", reply.text);
            }
        });
        halfway_rx.recv_timeout(Duration::from_secs(120)).expect("the held upload started");
        // Let the first half reach the server before it dies.
        std::thread::sleep(Duration::from_millis(200));
        let killed = std::process::Command::new("kill")
            .args(["-KILL", &second.pid().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        release_tx.send(()).unwrap();
        // The second worker joins, and the first dies as it starts an
        // analysis: it is the only worker until then, so it has the queue's
        // jobs, and the one it starts now is leased to it when it dies.
        let _ = std::fs::remove_file(&started);
        let deadline = Instant::now() + Duration::from_secs(120);
        while !started.exists() {
            assert!(Instant::now() < deadline, "the worker to be killed never took a job");
            std::thread::sleep(Duration::from_millis(5));
        }
        other_worker = Some(Worker(app.spawn_worker(&WORKER_ENV)));
        doomed_worker.0.kill().unwrap();
        doomed_worker.0.wait().unwrap();
        client.join().unwrap();
    });

    // Every upload answered 200 is analysed, once, with its audio stored.
    for call in &calls {
        let settled = app.wait_until_settled(&team.rep, call);
        assert_eq!(settled["status"], "ready", "{settled}");
        assert_eq!(settled["audio"]["duration_ms"], 2000, "{settled}");
        assert_eq!(app.audio_range(&team.rep, call, "bytes=0-3").status, 206, "{call}'s audio");
    }

    // A replacement API process comes up; reviews move through the week on
    // both, each share and each manager's review an event.
    let second = app.spawn_peer(&CLUSTER_ENV);
    for (k, call) in calls.iter().take(nominations).enumerate() {
        let week = format!("2026-W{:02}", 1 + k / 2);
        let slot = if k.is_multiple_of(2) { "went_well" } else { "struggled" };
        let on = pick(k, &app, &second);
        let nomination = format!("/v1/reps/{}/weeks/{week}/nominations/{slot}", team.rep_id);
        let steps: [(&str, &str, Value); 6] = [
            (&team.rep, "PUT", json!({"call_id": call})),
            (
                &team.rep,
                "comment",
                json!({"at_ms": 100, "body": "Rushed the close", "kind": "improve"}),
            ),
            (&team.rep, "state", json!({"state": "self_reviewed"})),
            (&team.rep, "state", json!({"state": "shared"})),
            (
                &team.manager,
                "comment",
                json!({"at_ms": 200, "body": "Good recovery", "kind": "went_well"}),
            ),
            (&team.manager, "state", json!({"state": "manager_reviewed"})),
        ];
        for (token, step, body) in steps {
            let (method, path) = match step {
                "PUT" => (Method::PUT, nomination.clone()),
                "comment" => (Method::POST, format!("/v1/calls/{call}/comments")),
                _ => (Method::POST, format!("{nomination}/state")),
            };
            let reply = TestApp::send(on(method, &path, token).json(&body));
            assert!(reply.status == 200 || reply.status == 201, "{step} {path}: {}", reply.text);
        }
    }

    let events = all_events(&app, &team.admin);
    let mut ready_per_call: BTreeMap<&str, usize> = BTreeMap::new();
    for (kind, call) in events.values() {
        if kind == "call.ready" {
            *ready_per_call.entry(call.as_str()).or_default() += 1;
        }
    }
    assert_eq!(ready_per_call.len(), uploads, "a call.ready for every call");
    assert!(
        ready_per_call.values().all(|n| *n == 1),
        "a call made ready twice: {ready_per_call:?}"
    );
    let moves = events.values().filter(|(kind, _)| kind.starts_with("review.")).count();
    assert_eq!(moves, review_moves, "an event for every share and manager's review");

    // What the receiver got: every event, a repeat only with the delivery id
    // it first came with (a delivery cut off by the kill, sent again).
    let deadline = Instant::now() + Duration::from_secs(120);
    let received = loop {
        let received = receiver.deliveries_by_event();
        if events.keys().all(|id| received.contains_key(id)) {
            break received;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} events reached the receiver",
            received.len(),
            events.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        received.keys().all(|id| events.contains_key(id)),
        "the receiver got events nobody made"
    );
    for (event, ids) in &received {
        assert!(
            ids.iter().all(|id| *id == ids[0]),
            "{event} came with several delivery ids: {ids:?}"
        );
    }
    let repeats = received.values().filter(|ids| ids.len() > 1).count();
    // The killed worker had at most its delivery lane's two in flight.
    assert!(repeats <= 2, "{repeats} events came twice: {received:?}");
    let requests = received.values().map(Vec::len).sum::<usize>();
    eprintln!(
        "cluster: {uploads} uploads (one cut off by a kill and sent again), all ready once; \
         {review_moves} review moves; {} events; {requests} webhook requests, {repeats} repeated",
        events.len()
    );
    drop(other_worker);
}
