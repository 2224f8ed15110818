//! Webhooks over HTTP: signed deliveries to a local receiver, retried until
//! accepted, logged, redelivered, and not lost when the server restarts.
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

use std::time::{Duration, Instant};

use filmroom_tests::{Team, TestApp, WebhookReceiver, fixture};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

fn verify(secret: &str, headers: &[(String, String)], body: &[u8]) {
    let header = &headers.iter().find(|(k, _)| k == "filmroom-signature").expect("signed").1;
    let (t, v1) = header.split_once(',').unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let v1 = v1.strip_prefix("v1=").unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(v1, expected, "signature");
}

#[test]
fn events_are_delivered_signed_and_retried_until_accepted() {
    // The receiver is on loopback, which deliveries may reach only when allowed.
    let app = TestApp::spawn_with(&[
        ("FILMROOM_RETRY_BASE_SECS", "0"),
        ("FILMROOM_ALLOW_PRIVATE_FETCH", "127.0.0.1"),
    ]);
    let team = Team::create(&app, "Acme");
    let receiver = WebhookReceiver::start(2);
    app.post(
        "/v1/webhooks",
        &team.manager,
        json!({"url": receiver.url, "event_types": ["call.ready"]}),
    )
    .problem(403, "forbidden");
    app.post("/v1/webhooks", &team.admin, json!({"url": "ftp://x", "event_types": ["call.ready"]}))
        .problem(422, "invalid_field");
    app.post(
        "/v1/webhooks",
        &team.admin,
        json!({"url": receiver.url, "event_types": ["call.deleted"]}),
    )
    .problem(422, "invalid_field");
    let created = app.post(
        "/v1/webhooks",
        &team.admin,
        json!({"url": receiver.url, "event_types": ["call.ready", "review.shared"]}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let created = created.json();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let hook = created["webhook"]["id"].as_str().unwrap().to_owned();
    assert!(
        !app.get("/v1/webhooks", &team.admin).text.contains(&secret),
        "listings never show the secret"
    );

    let call = app.create_call(&team.rep, &team.rep_id);
    assert_eq!(
        app.upload(&team.rep, &call, fixture("speech-8k-mono-s16.wav"), "audio/wav").status,
        200
    );
    receiver.wait_for(3);
    let requests = receiver.requests.lock().unwrap().clone();
    for (headers, body) in &requests {
        verify(&secret, headers, body);
        let event: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(event["type"], "call.ready");
        assert_eq!(event["data"]["call_id"], json!(call));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let log = loop {
        let log = app.deliveries(&team.admin, &hook);
        if log["items"][0]["status"] == "succeeded" || Instant::now() > deadline {
            break log;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let delivery = &log["items"][0];
    assert_eq!(delivery["status"], "succeeded", "{log}");
    let codes: Vec<i64> = delivery["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, vec![500, 500, 200]);

    // Manual redelivery sends it once more; retried with its Idempotency-Key
    // (a POST without a body), it is answered from the first response.
    let redeliver = || {
        TestApp::send(
            app.request(
                reqwest::Method::POST,
                &format!("/v1/webhook-deliveries/{}/redeliver", delivery["id"].as_str().unwrap()),
                Some(&team.admin),
            )
            .header("Idempotency-Key", "redeliver-once"),
        )
    };
    let again = redeliver();
    assert_eq!(again.status, 202, "{}", again.text);
    assert_eq!(again.header("idempotent-replayed"), None);
    let retried = redeliver();
    assert_eq!(retried.status, 202, "{}", retried.text);
    assert_eq!(retried.header("idempotent-replayed"), Some("true"));
    receiver.wait_for(4);
    let globex = Team::create(&app, "Globex");
    app.get(&format!("/v1/webhooks/{hook}/deliveries"), &globex.admin)
        .problem(404, "webhook_not_found");
}

/// A webhook for `call.ready` to `receiver`; its id.
fn call_ready_hook(app: &TestApp, admin: &str, receiver: &WebhookReceiver) -> String {
    let created = app
        .post("/v1/webhooks", admin, json!({"url": receiver.url, "event_types": ["call.ready"]}))
        .json();
    created["webhook"]["id"].as_str().unwrap().to_owned()
}

#[test]
fn a_delivery_survives_a_server_restart_between_attempts() {
    let mut app = TestApp::spawn_with(&[
        ("FILMROOM_RETRY_BASE_SECS", "2"),
        ("FILMROOM_ALLOW_PRIVATE_FETCH", "127.0.0.1"),
    ]);
    let team = Team::create(&app, "Acme");
    let receiver = WebhookReceiver::start(1);
    let hook = call_ready_hook(&app, &team.admin, &receiver);
    let call = app.create_call(&team.rep, &team.rep_id);
    assert_eq!(
        app.upload(&team.rep, &call, fixture("speech-8k-mono-s16.wav"), "audio/wav").status,
        200
    );
    receiver.wait_for(1);
    // The first attempt failed; the retry waits 2 s. Crash the server now.
    app.restart();
    receiver.wait_for(2);
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.deliveries(&team.admin, &hook)["items"][0]["status"] != "succeeded" {
        assert!(Instant::now() < deadline, "{}", app.deliveries(&team.admin, &hook));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        receiver.requests.lock().unwrap().len(),
        2,
        "delivered once after the restart, not twice"
    );
}

#[test]
fn deliveries_never_reach_private_addresses_unless_allowed() {
    let receiver = WebhookReceiver::start(0);
    let app = TestApp::spawn_with(&[("FILMROOM_RETRY_BASE_SECS", "0")]);
    let team = Team::create(&app, "Acme");
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    let created = app.post(
        "/v1/webhooks",
        &team.admin,
        json!({"url": by_name, "event_types": ["call.ready"]}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let hook = created.json()["webhook"]["id"].as_str().unwrap().to_owned();
    let call = app.create_call(&team.rep, &team.rep_id);
    assert_eq!(
        app.upload(&team.rep, &call, fixture("speech-8k-mono-s16.wav"), "audio/wav").status,
        200
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let attempt = loop {
        let log = app.deliveries(&team.admin, &hook);
        let first = log["items"][0]["attempts"][0].clone();
        if !first.is_null() {
            break first;
        }
        assert!(Instant::now() < deadline, "no attempt logged: {log}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let error = attempt["error"].as_str().unwrap_or_default();
    assert!(error.contains("loopback"), "{attempt}");
    assert!(attempt["status_code"].is_null(), "{attempt}");
    assert!(receiver.requests.lock().unwrap().is_empty(), "the receiver was reached");
}

#[test]
fn every_event_gets_exactly_one_delivery_however_often_the_server_is_killed() {
    // Jobs a killed server held are taken up again after a 2 s lease.
    let mut app = TestApp::spawn_with(&[
        ("FILMROOM_ALLOW_PRIVATE_FETCH", "127.0.0.1"),
        ("FILMROOM_JOB_LEASE_SECS", "2"),
    ]);
    let team = Team::create(&app, "Acme");
    let receiver = WebhookReceiver::start(0);
    let hook = call_ready_hook(&app, &team.admin, &receiver);
    let calls: Vec<String> = (0..6).map(|_| app.create_call(&team.rep, &team.rep_id)).collect();
    // Each upload queues an analysis whose end writes a `call.ready` event;
    // the server is killed (SIGKILL) while those are analysed and dispatched.
    for (n, call) in calls.iter().enumerate() {
        assert_eq!(
            app.upload(&team.rep, call, fixture("speech-8k-mono-s16.wav"), "audio/wav").status,
            200
        );
        if n % 2 == 1 {
            std::thread::sleep(Duration::from_millis(40 * n as u64));
            app.restart();
        }
    }
    for call in &calls {
        assert_eq!(app.wait_until_settled(&team.rep, call)["status"], "ready");
    }
    let events: Vec<String> = app.get("/v1/events?limit=200", &team.admin).json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "call.ready")
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(events.len(), calls.len(), "one call.ready per call");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let deliveries = app.deliveries(&team.admin, &hook)["items"].as_array().unwrap().clone();
        let mut per_event: std::collections::BTreeMap<String, usize> = Default::default();
        for d in &deliveries {
            *per_event.entry(d["event_id"].as_str().unwrap().to_owned()).or_default() += 1;
        }
        assert!(per_event.values().all(|n| *n == 1), "an event delivered twice: {per_event:?}");
        if per_event.len() == events.len() && deliveries.iter().all(|d| d["status"] == "succeeded")
        {
            break;
        }
        assert!(Instant::now() < deadline, "deliveries did not finish: {deliveries:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // What the receiver got, not what the log says: every event arrived, and
    // one that arrived twice (sent, then the server killed before it noted
    // the answer) carried the same delivery id both times, so the receiver
    // can drop the repeat.
    let received = receiver.deliveries_by_event();
    for event in &events {
        let ids =
            received.get(event).unwrap_or_else(|| panic!("{event} never reached the receiver"));
        assert!(
            ids.iter().all(|id| *id == ids[0]),
            "{event} came with other delivery ids: {ids:?}"
        );
    }
    assert_eq!(received.len(), events.len(), "the receiver got events nobody made: {received:?}");
}
