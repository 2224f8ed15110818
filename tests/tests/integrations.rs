//! Dialer integrations over HTTP: integration tokens and what they may do,
//! pushed calls (multipart and recording URLs fetched from a local file server
//! that plays the dialer), the Twilio-compatible callback, and Idempotency-Key.
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
    io::Write,
    net::TcpListener,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::STANDARD};
use filmroom_tests::{Reply, SeenRequest, Team, TestApp, expected, fixture};
use hmac::{Hmac, Mac};
use reqwest::{Method, blocking::multipart};
use serde_json::{Value, json};
use sha1::Sha1;

/// A request the dialer saw: path and lower-cased headers.
type Seen = (String, Vec<(String, String)>);

/// A local HTTP server that plays the dialer's recording storage.
struct Dialer {
    base: String,
    requests: Arc<Mutex<Vec<Seen>>>,
}

fn respond(stream: &mut std::net::TcpStream, path: &str, recording: &[u8], stereo: &[u8]) {
    let mut write_all = |head: String, body: &[u8]| {
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
    };
    match path {
        "/rec.wav" => write_all(
            format!("HTTP/1.1 200 OK\r\ncontent-type: audio/wav\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", recording.len()),
            recording,
        ),
        "/expired.wav" => write_all(
            "HTTP/1.1 403 Forbidden\r\ncontent-length: 13\r\nconnection: close\r\n\r\n".into(),
            b"Request has expired",
        ),
        "/redirect-ok" => write_all(
            "HTTP/1.1 302 Found\r\nlocation: /rec.wav\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into(),
            b"",
        ),
        "/redirect-metadata" => write_all(
            "HTTP/1.1 302 Found\r\nlocation: http://169.254.169.254/latest/meta-data/\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into(),
            b"",
        ),
        "/redirect-private" => write_all(
            "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://10.255.255.1/rec.wav\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into(),
            b"",
        ),
        "/loop" => write_all(
            "HTTP/1.1 302 Found\r\nlocation: /loop\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into(),
            b"",
        ),
        "/huge-declared.wav" => {
            // Declares 50 MB; the fetch must stop at the header.
            write_all(
                "HTTP/1.1 200 OK\r\ncontent-type: audio/wav\r\ncontent-length: 50000000\r\nconnection: close\r\n\r\n".into(),
                &recording[..1024],
            );
        }
        "/huge-streamed.wav" => {
            // No length, just more and more audio: the limit applies as bytes arrive.
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: audio/wav\r\nconnection: close\r\n\r\n");
            let _ = stream.write_all(recording);
            let silence = vec![0u8; 64 * 1024];
            for _ in 0..64 {
                if stream.write_all(&silence).is_err() {
                    break;
                }
            }
        }
        p if p.starts_with("/2010-04-01/Accounts/") && p.ends_with(".wav") => write_all(
            format!("HTTP/1.1 200 OK\r\ncontent-type: audio/x-wav\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", stereo.len()),
            stereo,
        ),
        _ => write_all("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into(), b""),
    }
}

impl Dialer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let recording = fixture("speech-8k-mono-s16.wav");
        let stereo = fixture("speech-8k-stereo-mulaw.wav");
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let SeenRequest { path, headers, .. } = SeenRequest::read(&stream);
                seen.lock().unwrap().push((path.clone(), headers));
                respond(&mut stream, &path, &recording, &stereo);
            }
        });
        Self { base, requests }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn paths(&self) -> Vec<String> {
        self.requests.lock().unwrap().iter().map(|(p, _)| p.clone()).collect()
    }
}

/// An organisation whose rep is `client:ada` in the dialer, and an integration token.
struct Setup {
    team: Team,
    integration: String,
    integration_id: String,
}

fn setup(app: &TestApp, org: &str, extra: Value) -> Setup {
    let team = Team::create(app, org);
    let reply = app.patch(
        &format!("/v1/users/{}", team.rep_id),
        &team.admin,
        json!({"external_ids": {"twilio": "client:ada"}}),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let mut body = json!({"name": "Twilio production", "source": "twilio"});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    let reply = app.post("/v1/integration-tokens", &team.admin, body);
    assert_eq!(reply.status, 201, "{}", reply.text);
    let created = reply.json();
    let integration = created["secret"].as_str().unwrap().to_owned();
    assert!(integration.starts_with("fri_"), "{created}");
    let integration_id = created["token"]["id"].as_str().unwrap().to_owned();
    Setup { team, integration, integration_id }
}

fn push_url(app: &TestApp, token: &str, external_ref: &str, url: &str) -> Reply {
    app.post(
        "/v1/integrations/calls",
        token,
        json!({"rep": {"external_id": "client:ada"}, "external_ref": external_ref, "recording_url": url}),
    )
}

/// Polls a pushed call as the integration until it is ready or failed.
fn settled(app: &TestApp, token: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let body = app.get(&format!("/v1/integrations/calls/{id}"), token).json();
        if matches!(body["status"].as_str(), Some("ready" | "failed")) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "call {id} did not settle: {body}\n{}",
            app.log_lines().join("\n")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn multipart_push(app: &TestApp, token: &str, metadata: Value, key: Option<&str>) -> Reply {
    multipart_push_file(app, token, metadata, key, "speech-8k-mono-s16.wav")
}

fn multipart_push_file(
    app: &TestApp,
    token: &str,
    metadata: Value,
    key: Option<&str>,
    file: &str,
) -> Reply {
    let form = multipart::Form::new()
        .part(
            "metadata",
            multipart::Part::text(metadata.to_string()).mime_str("application/json").unwrap(),
        )
        .part(
            "audio",
            multipart::Part::bytes(fixture(file))
                .file_name("call.wav")
                .mime_str("audio/wav")
                .unwrap(),
        );
    let mut request =
        app.request(Method::POST, "/v1/integrations/calls", Some(token)).multipart(form);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    TestApp::send(request)
}

#[test]
fn integration_tokens_are_made_by_admins_and_only_push_and_read_pushed_calls() {
    let app = TestApp::spawn();
    let s = setup(&app, "Tokens Org", json!({}));

    let refused = app.post(
        "/v1/integration-tokens",
        &s.team.manager,
        json!({"name": "x", "source": "twilio"}),
    );
    refused.problem(403, "forbidden");
    let bad = app.post(
        "/v1/integration-tokens",
        &s.team.admin,
        json!({"name": "x", "source": "Twilio!"}),
    );
    assert_eq!(bad.problem(422, "invalid_field")["field"], "source");
    let bad = app.post(
        "/v1/integration-tokens",
        &s.team.admin,
        json!({"name": "x", "source": "aircall", "rep_channel": 3}),
    );
    assert_eq!(bad.problem(422, "invalid_field")["field"], "rep_channel");

    let listed = app.get("/v1/integration-tokens", &s.team.admin);
    assert_eq!(listed.status, 200);
    let items = listed.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["source"], "twilio");
    assert!(!listed.text.contains(&s.integration), "a listing shows the secret");

    // Anything but the integration endpoints is refused, with a clear reason.
    for path in ["/v1/me", "/v1/calls", "/v1/users", "/v1/search?q=hello"] {
        app.get(path, &s.integration).problem(403, "integration_token_not_allowed");
    }
    app.post("/v1/calls", &s.integration, json!({"rep_id": s.team.rep_id}))
        .problem(403, "integration_token_not_allowed");
    // And user tokens do not push.
    multipart_push(
        &app,
        &s.team.admin,
        json!({"rep": {"email": "rep@tokens-org.example"}, "external_ref": "x"}),
        None,
    )
    .problem(403, "integration_token_required");

    // A pushed call is readable by its source, by the rep, never by another source.
    let pushed = multipart_push(
        &app,
        &s.integration,
        json!({"rep": {"external_id": "client:ada"}, "external_ref": "CA-1"}),
        None,
    );
    assert_eq!(pushed.status, 201, "{}", pushed.text);
    let id = pushed.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&format!("/v1/calls/{id}"), &s.team.rep).json()["id"], id.as_str());
    let other = app
        .post(
            "/v1/integration-tokens",
            &s.team.admin,
            json!({"name": "Aircall", "source": "aircall"}),
        )
        .json();
    let other = other["secret"].as_str().unwrap();
    app.get(&format!("/v1/integrations/calls/{id}"), other).problem(404, "call_not_found");
    let own = app.get("/v1/integrations/calls", other).json();
    assert_eq!(own["items"].as_array().map(Vec::len), Some(0));
    let mine = app.get("/v1/integrations/calls?external_ref=CA-1", &s.integration).json();
    assert_eq!(mine["items"][0]["id"], id.as_str());
    // Calls people create are not the integration's.
    let own_call = app.create_call(&s.team.rep, &s.team.rep_id);
    app.get(&format!("/v1/integrations/calls/{own_call}"), &s.integration)
        .problem(404, "call_not_found");

    let revoked =
        app.delete(&format!("/v1/integration-tokens/{}", s.integration_id), &s.team.admin);
    assert_eq!(revoked.status, 204);
    app.get("/v1/integrations/calls", &s.integration).problem(401, "token_revoked");
}

#[test]
fn a_dialer_pushes_a_call_with_its_audio_once_and_reps_are_mapped() {
    let app = TestApp::spawn();
    let s = setup(&app, "Push Org", json!({}));
    let metadata = json!({
        "rep": {"external_id": "client:ada"},
        "external_ref": "CA-100",
        "direction": "outbound",
        "counterpart": {"name": "Grace", "company": "Navy"}
    });
    let first = multipart_push(&app, &s.integration, metadata.clone(), None);
    assert_eq!(first.status, 201, "{}", first.text);
    let call = first.json();
    assert_eq!(call["source"], "twilio");
    assert_eq!(call["rep_id"], s.team.rep_id.as_str());
    assert_eq!(call["external_ref"], "CA-100");
    let id = call["id"].as_str().unwrap().to_owned();
    let ready = settled(&app, &s.integration, &id);
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["audio"]["duration_ms"], expected("speech-8k-mono-s16.wav")["decoded_ms"]);

    // The same external_ref again: the same call, 200, nothing new stored.
    let again = multipart_push(&app, &s.integration, metadata, None);
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json()["id"], id.as_str());
    let listed = app.get("/v1/integrations/calls", &s.integration).json();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
    // The same external_ref for someone else is refused, without naming the call.
    let crossed = multipart_push(
        &app,
        &s.integration,
        json!({"rep": {"email": "manager@push-org.example"}, "external_ref": "CA-100"}),
        None,
    );
    crossed.problem(409, "external_ref_taken");
    assert!(!crossed.text.contains(&id), "{}", crossed.text);

    // Unknown reps are named; email works when no external id matches.
    let unknown = multipart_push(
        &app,
        &s.integration,
        json!({"rep": {"external_id": "client:nobody"}, "external_ref": "CA-101"}),
        None,
    );
    let problem = unknown.problem(422, "unknown_rep");
    assert!(problem["detail"].as_str().unwrap().contains("client:nobody"), "{problem}");
    let by_email = multipart_push(
        &app,
        &s.integration,
        json!({"rep": {"email": "REP@push-org.example"}, "external_ref": "CA-102"}),
        None,
    );
    assert_eq!(by_email.status, 201, "{}", by_email.text);
    assert_eq!(by_email.json()["rep_id"], s.team.rep_id.as_str());

    // A recording that cannot be analysed fails the call; pushing the call
    // again with a good recording replaces it.
    let opus = json!({"rep": {"external_id": "client:ada"}, "external_ref": "CA-105"});
    let first =
        multipart_push_file(&app, &s.integration, opus.clone(), None, "speech-16k-mono.opus");
    assert_eq!(first.status, 201, "{}", first.text);
    let opus_id = first.json()["id"].as_str().unwrap().to_owned();
    let failed = settled(&app, &s.integration, &opus_id);
    assert_eq!(failed["failure"]["code"], "unsupported_codec", "{failed}");
    let again = multipart_push(&app, &s.integration, opus, None);
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json()["id"], opus_id.as_str());
    assert_eq!(settled(&app, &s.integration, &opus_id)["status"], "ready");

    // A push without audio or URL leaves nothing behind.
    let bare = app.post(
        "/v1/integrations/calls",
        &s.integration,
        json!({"rep": {"external_id": "client:ada"}, "external_ref": "CA-103"}),
    );
    assert_eq!(bare.problem(422, "invalid_field")["field"], "recording_url");
    let refused = push_url(&app, &s.integration, "CA-104", "ftp://dialer.example/rec.wav");
    assert_eq!(refused.problem(422, "invalid_field")["field"], "recording_url");
    let listed = app.get("/v1/integrations/calls", &s.integration).json();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(3));
}

#[test]
fn recording_urls_are_fetched_within_limits_and_never_from_private_addresses() {
    let dialer = Dialer::start();
    // The dialer runs on loopback here, so exactly 127.0.0.1 is allowed; every
    // other non-public address must still be refused.
    let app = TestApp::spawn_with(&[
        ("FILMROOM_ALLOW_PRIVATE_FETCH", "127.0.0.1/32"),
        ("FILMROOM_MAX_FETCH_BYTES", "1000000"),
        ("FILMROOM_RETRY_BASE_SECS", "0"),
    ]);
    let s = setup(&app, "Fetch Org", json!({}));
    let token = &s.integration;
    let mut pushed = Vec::new();
    for (external_ref, path) in [
        ("ok", "/rec.wav"),
        ("redirected", "/redirect-ok"),
        ("expired", "/expired.wav"),
        ("metadata", "/redirect-metadata"),
        ("private", "/redirect-private"),
        ("loop", "/loop"),
        ("declared", "/huge-declared.wav"),
        ("streamed", "/huge-streamed.wav"),
    ] {
        let reply = push_url(&app, token, external_ref, &dialer.url(path));
        assert_eq!(reply.status, 201, "{external_ref}: {}", reply.text);
        assert_eq!(reply.json()["status"], "uploading");
        pushed.push((external_ref, reply.json()["id"].as_str().unwrap().to_owned()));
    }
    let outcome = |name: &str| {
        let id = &pushed.iter().find(|(n, _)| *n == name).unwrap().1;
        settled(&app, token, id)
    };
    for name in ["ok", "redirected"] {
        let call = outcome(name);
        assert_eq!(call["status"], "ready", "{name}: {call}");
        assert_eq!(call["audio"]["size_bytes"], fixture("speech-8k-mono-s16.wav").len());
    }
    let expired = outcome("expired");
    assert_eq!(expired["failure"]["code"], "recording_fetch_failed", "{expired}");
    assert!(expired["failure"]["message"].as_str().unwrap().contains("403"), "{expired}");
    for name in ["metadata", "private"] {
        let call = outcome(name);
        assert_eq!(call["failure"]["code"], "recording_url_refused", "{name}: {call}");
    }
    assert!(
        outcome("metadata")["failure"]["message"].as_str().unwrap().contains("169.254.169.254")
    );
    assert!(outcome("private")["failure"]["message"].as_str().unwrap().contains("10.255.255.1"));
    assert_eq!(outcome("loop")["failure"]["code"], "recording_fetch_failed");
    for name in ["declared", "streamed"] {
        let call = outcome(name);
        assert_eq!(call["failure"]["code"], "recording_too_large", "{name}: {call}");
    }
    // The expired URL was asked once: a 403 is not retried.
    assert_eq!(dialer.paths().iter().filter(|p| *p == "/expired.wav").count(), 1);
    // Pushed again with a fresh URL, as the failure says, the same call gets its recording.
    let again = push_url(&app, token, "expired", &dialer.url("/rec.wav"));
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json()["id"], expired["id"]);
    assert_eq!(again.json()["status"], "uploading");
    let recovered = settled(&app, token, expired["id"].as_str().unwrap());
    assert_eq!(recovered["status"], "ready", "{recovered}");
    assert!(recovered["failure"].is_null(), "{recovered}");
    // A call that is fine is left alone by another push.
    let ok_id = &pushed.iter().find(|(n, _)| *n == "ok").unwrap().1;
    let unchanged = push_url(&app, token, "ok", &dialer.url("/expired.wav"));
    assert_eq!(unchanged.status, 200);
    assert_eq!(unchanged.json()["status"], "ready");
    assert_eq!(&unchanged.json()["id"], ok_id.as_str());
    // Nothing of the refused or oversize downloads stays in storage.
    if let Some(objects) = app.local_objects() {
        for name in ["metadata", "private", "declared", "streamed"] {
            let id = &pushed.iter().find(|(n, _)| *n == name).unwrap().1;
            assert!(
                filmroom_tests::files_containing(&objects, id).is_empty(),
                "{name} left objects"
            );
        }
    }
}

#[test]
fn loopback_recording_urls_are_refused_by_default_even_by_name() {
    let dialer = Dialer::start();
    let app = TestApp::spawn();
    let s = setup(&app, "Default Org", json!({}));
    let by_name = dialer.url("/rec.wav").replace("127.0.0.1", "localhost");
    let reply = push_url(&app, &s.integration, "named", &by_name);
    assert_eq!(reply.status, 201, "{}", reply.text);
    let call = settled(&app, &s.integration, reply.json()["id"].as_str().unwrap());
    assert_eq!(call["failure"]["code"], "recording_url_refused", "{call}");
    assert!(call["failure"]["message"].as_str().unwrap().contains("loopback"), "{call}");
    assert!(dialer.paths().is_empty(), "the dialer was contacted: {:?}", dialer.paths());
}

fn twilio_signature(auth_token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).unwrap();
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

fn callback(
    app: &TestApp,
    query: &str,
    params: &[(&str, &str)],
    signature: Option<String>,
) -> Reply {
    let path = format!("/v1/integrations/twilio/recording-status?{query}");
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
    let mut request = app
        .client
        .post(format!("{}{path}", app.base_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(signature) = signature {
        request = request.header("X-Twilio-Signature", signature);
    }
    TestApp::send(request)
}

#[test]
fn twilio_recording_callbacks_are_verified_and_pull_the_rep_channel_recording() {
    let dialer = Dialer::start();
    let app = TestApp::spawn_with(&[("FILMROOM_ALLOW_PRIVATE_FETCH", "true")]);
    let auth_token = "twilio-auth-token-0123456789";
    let s = setup(
        &app,
        "Twilio Org",
        json!({"signing_secret": auth_token, "account_sid": "AC123", "rep_channel": 2}),
    );
    let query = format!("integration_id={}&rep=client%3Aada", s.integration_id);
    let url = format!("{}/v1/integrations/twilio/recording-status?{query}", app.base_url);
    let recording_url = dialer.url("/2010-04-01/Accounts/AC123/Recordings/RE42");
    let params = [
        ("AccountSid", "AC123"),
        ("CallSid", "CA42"),
        ("RecordingSid", "RE42"),
        ("RecordingUrl", recording_url.as_str()),
        ("RecordingStatus", "completed"),
        ("RecordingDuration", "3"),
        ("RecordingChannels", "2"),
    ];

    callback(&app, &query, &params, None).problem(403, "invalid_signature");
    let forged = twilio_signature("not-the-token", &url, &params);
    callback(&app, &query, &params, Some(forged)).problem(403, "invalid_signature");
    let mut tampered = params;
    tampered[2] = ("RecordingSid", "RE43");
    callback(&app, &query, &tampered, Some(twilio_signature(auth_token, &url, &params)))
        .problem(403, "invalid_signature");
    assert!(dialer.paths().is_empty());

    let signature = twilio_signature(auth_token, &url, &params);
    let stored = callback(&app, &query, &params, Some(signature.clone()));
    assert_eq!(stored.status, 201, "{}", stored.text);
    let call = stored.json()["call"].clone();
    assert_eq!(call["external_ref"], "RE42");
    assert_eq!(call["rep_id"], s.team.rep_id.as_str());
    let id = call["id"].as_str().unwrap().to_owned();
    let ready = settled(&app, &s.integration, &id);
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["audio"]["channels"], 2);
    assert_eq!(ready["rep_channel"], 2);
    // `.wav` was appended, and the download authenticated as the account.
    let seen = dialer.requests.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].0, "/2010-04-01/Accounts/AC123/Recordings/RE42.wav");
    let expected_auth = format!("Basic {}", STANDARD.encode(format!("AC123:{auth_token}")));
    assert!(seen[0].1.iter().any(|(k, v)| k == "authorization" && *v == expected_auth), "{seen:?}");

    // Twilio retries callbacks: the same recording is the same call.
    let again = callback(&app, &query, &params, Some(signature));
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json()["call"]["id"], id.as_str());

    // Other statuses are acknowledged and ignored.
    let progress =
        [("AccountSid", "AC123"), ("RecordingSid", "RE44"), ("RecordingStatus", "in-progress")];
    let ignored =
        callback(&app, &query, &progress, Some(twilio_signature(auth_token, &url, &progress)));
    assert_eq!(ignored.status, 200, "{}", ignored.text);
    assert_eq!(ignored.json()["outcome"], "ignored");

    // Another account's callbacks are refused even when signed with the token.
    let foreign = [
        ("AccountSid", "AC999"),
        ("RecordingSid", "RE45"),
        ("RecordingUrl", "https://x.example/r"),
        ("RecordingStatus", "completed"),
    ];
    callback(&app, &query, &foreign, Some(twilio_signature(auth_token, &url, &foreign)))
        .problem(403, "invalid_signature");

    // An unknown rep is named.
    let stranger_query = format!("integration_id={}&rep=client%3Abob", s.integration_id);
    let stranger_url =
        format!("{}/v1/integrations/twilio/recording-status?{stranger_query}", app.base_url);
    let other = [
        ("AccountSid", "AC123"),
        ("RecordingSid", "RE46"),
        ("RecordingUrl", recording_url.as_str()),
        ("RecordingStatus", "completed"),
    ];
    let problem = callback(
        &app,
        &stranger_query,
        &other,
        Some(twilio_signature(auth_token, &stranger_url, &other)),
    )
    .problem(422, "unknown_rep");
    assert!(problem["detail"].as_str().unwrap().contains("client:bob"), "{problem}");

    // The account's auth token is rotated: the integration and its callback URL stay.
    let token_path = format!("/v1/integration-tokens/{}", s.integration_id);
    app.patch(&token_path, &s.team.manager, json!({"signing_secret": "new-auth-token-0123456789"}))
        .problem(403, "forbidden");
    let rotated = app.patch(
        &token_path,
        &s.team.admin,
        json!({"signing_secret": "new-auth-token-0123456789"}),
    );
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    assert_eq!(rotated.json()["has_signing_secret"], true);
    assert!(!rotated.text.contains("new-auth-token"), "the secret is never shown");
    let later = [("AccountSid", "AC123"), ("RecordingSid", "RE47"), ("RecordingStatus", "absent")];
    callback(&app, &query, &later, Some(twilio_signature(auth_token, &url, &later)))
        .problem(403, "invalid_signature");
    let accepted = callback(
        &app,
        &query,
        &later,
        Some(twilio_signature("new-auth-token-0123456789", &url, &later)),
    );
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert_eq!(accepted.json()["outcome"], "ignored");
}

#[test]
fn idempotency_keys_replay_the_first_response_and_refuse_a_different_body() {
    let app = TestApp::spawn();
    let s = setup(&app, "Idem Org", json!({}));
    let create = |body: Value, key: &str| {
        TestApp::send(
            app.request(Method::POST, "/v1/users", Some(&s.team.admin))
                .header("Idempotency-Key", key)
                .json(&body),
        )
    };
    let body = json!({"email": "new@idem-org.example", "name": "New", "role": "rep"});
    let first = create(body.clone(), "key-1");
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.header("idempotent-replayed"), None);
    let replay = create(body.clone(), "key-1");
    assert_eq!(replay.status, 201, "{}", replay.text);
    assert_eq!(replay.text, first.text);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    let users = app.get("/v1/users?limit=200", &s.team.admin).json();
    let named = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["email"] == "new@idem-org.example")
        .count();
    assert_eq!(named, 1, "the replay created a second user");

    create(json!({"email": "other@idem-org.example", "name": "Other", "role": "rep"}), "key-1")
        .problem(422, "idempotency_key_reused");
    // Keys belong to one credential: another token's key-1 is its own.
    let manager_user = TestApp::send(
        app.request(Method::POST, "/v1/users", Some(&s.team.manager))
            .header("Idempotency-Key", "key-1")
            .json(&body),
    );
    manager_user.problem(403, "forbidden");
    // An error that changed nothing is not kept: the same key may then succeed.
    let fixed =
        create(json!({"email": "third@idem-org.example", "name": "Third", "role": "rep"}), "key-2");
    assert_eq!(fixed.status, 201);
    let bad_key = create(body, &"k".repeat(300));
    bad_key.problem(400, "invalid_idempotency_key");

    // A response that carries a secret is kept without it: the retry learns
    // which token the first request made, and no second token is issued.
    let keyed = |path: &str, key: &str, body: Value| {
        TestApp::send(
            app.request(Method::POST, path, Some(&s.team.admin))
                .header("Idempotency-Key", key)
                .json(&body),
        )
    };
    let tokens_path = format!("/v1/users/{}/tokens", s.team.rep_id);
    let before = app.get(&tokens_path, &s.team.admin).json()["items"].as_array().unwrap().len();
    let one = keyed(&tokens_path, "token-1", json!({"name": "laptop"}));
    let two = keyed(&tokens_path, "token-1", json!({"name": "laptop"}));
    assert_eq!((one.status, two.status), (201, 201), "{} {}", one.text, two.text);
    assert_eq!(one.header("cache-control"), Some("no-store"));
    assert_eq!(two.header("idempotent-replayed"), Some("true"));
    let (one, two) = (one.json(), two.json());
    assert!(one["secret"].as_str().is_some_and(|s| s.starts_with("fr_")), "{one}");
    assert_eq!(one["secret_already_shown"], false);
    assert_eq!(two["token"]["id"], one["token"]["id"], "the replay names the same token");
    assert_eq!((&two["secret"], &two["secret_already_shown"]), (&Value::Null, &json!(true)));
    let after = app.get(&tokens_path, &s.team.admin).json()["items"].as_array().unwrap().len();
    assert_eq!(after, before + 1, "one token for two requests with one key");
    // The same for an integration token, a webhook and a sign-in link.
    for (path, body, secret) in [
        (
            "/v1/integration-tokens".to_owned(),
            json!({"name": "Twice", "source": "twice"}),
            "secret",
        ),
        (
            "/v1/webhooks".to_owned(),
            json!({"url": "https://hooks.idem.example/x", "event_types": ["call.ready"]}),
            "secret",
        ),
        (format!("/v1/users/{}/invite", s.team.rep_id), json!(null), "url"),
    ] {
        let first = keyed(&path, &format!("{path}-key"), body.clone());
        let again = keyed(&path, &format!("{path}-key"), body);
        assert_eq!(
            (first.status, again.status),
            (201, 201),
            "{path}: {} {}",
            first.text,
            again.text
        );
        assert_eq!(again.header("idempotent-replayed"), Some("true"), "{path}");
        let (first, again) = (first.json(), again.json());
        assert!(first[secret].is_string(), "{path}: {first}");
        assert_eq!(again[secret], Value::Null, "{path}: {again}");
        assert_eq!(again["secret_already_shown"], true, "{path}: {again}");
        let id = |v: &Value| {
            [&v["token"]["id"], &v["webhook"]["id"], &v["user_id"]]
                .into_iter()
                .find(|id| id.is_string())
                .cloned()
        };
        assert!(id(&first).is_some(), "{path}: {first}");
        assert_eq!(id(&first), id(&again), "{path}");
    }

    // A revoked token gets no replay of what it did before.
    let issued = app
        .post(
            &format!("/v1/users/{}/tokens", s.team.admin_id),
            &s.team.admin,
            json!({"name": "script"}),
        )
        .json();
    let script = issued["secret"].as_str().unwrap().to_owned();
    let by_script = |body: Value| {
        TestApp::send(
            app.request(Method::POST, "/v1/users", Some(&script))
                .header("Idempotency-Key", "script-1")
                .json(&body),
        )
    };
    let body = json!({"email": "scripted@idem-org.example", "name": "Scripted", "role": "rep"});
    assert_eq!(by_script(body.clone()).status, 201);
    assert_eq!(by_script(body.clone()).header("idempotent-replayed"), Some("true"));
    let revoked = app
        .delete(&format!("/v1/tokens/{}", issued["token"]["id"].as_str().unwrap()), &s.team.admin);
    assert_eq!(revoked.status, 204);
    by_script(body).problem(401, "token_revoked");

    // A multipart push retried with its key gets the first response.
    let metadata = json!({"rep": {"external_id": "client:ada"}, "external_ref": "CA-idem"});
    let pushed = multipart_push(&app, &s.integration, metadata.clone(), Some("push-1"));
    assert_eq!(pushed.status, 201, "{}", pushed.text);
    let retried = multipart_push(&app, &s.integration, metadata, Some("push-1"));
    assert_eq!(retried.status, 201, "{}", retried.text);
    assert_eq!(retried.header("idempotent-replayed"), Some("true"));
    assert_eq!(retried.json()["id"], pushed.json()["id"]);
}

#[test]
fn search_finds_transcript_lines_and_comments_the_caller_may_see() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Search Org");
    let call = app.create_call(&team.rep, &team.rep_id);
    let uploaded = app.upload(&team.rep, &call, fixture("speech-8k-mono-s16.wav"), "audio/wav");
    assert_eq!(uploaded.status, 200, "{}", uploaded.text);
    assert_eq!(app.wait_until_settled(&team.rep, &call)["status"], "ready");
    let transcript = json!([
        {"start_ms": 0, "end_ms": 1200, "speaker": "Customer", "text": "Your pricing is higher than we budgeted."},
        {"start_ms": 1200, "end_ms": 1900, "speaker": "Rep", "text": "Let's look at what the delay costs you."}
    ]);
    let put = app.put_json(&format!("/v1/calls/{call}/transcript"), &team.rep, transcript);
    assert!(put.status == 200 || put.status == 201, "{}", put.text);
    let comment = app.post(
        &format!("/v1/calls/{call}/comments"),
        &team.rep,
        json!({"at_ms": 1500, "body": "I rushed the discount conversation here", "kind": "improve"}),
    );
    assert_eq!(comment.status, 201, "{}", comment.text);

    let search = |token: &str, q: &str| {
        let reply =
            TestApp::send(app.request(Method::GET, "/v1/search", Some(token)).query(&[("q", q)]));
        assert_eq!(reply.status, 200, "{q}: {}", reply.text);
        reply.json()
    };
    // Stemmed transcript match, for the rep and their manager.
    for token in [&team.rep, &team.manager, &team.admin] {
        let found = search(token, "price");
        assert_eq!(found["items"][0]["call"]["id"], call.as_str(), "{found}");
        assert_eq!(found["items"][0]["matches"][0]["source"], "transcript");
        assert_eq!(found["items"][0]["matches"][0]["at_ms"], 0);
    }
    // Every word must match.
    assert_eq!(search(&team.rep, "pricing unicorn")["items"].as_array().map(Vec::len), Some(0));
    // The rep's own comment is private until the call is shared.
    let own = search(&team.rep, "discount");
    assert_eq!(own["items"][0]["matches"][0]["source"], "comment", "{own}");
    assert_eq!(search(&team.manager, "discount")["items"].as_array().map(Vec::len), Some(0));
    // Once the rep shares the call, their manager finds the comment too.
    let slot = format!("/v1/reps/{}/weeks/2026-W48/nominations/struggled", team.rep_id);
    assert_eq!(app.put_json(&slot, &team.rep, json!({"call_id": call})).status, 200);
    for state in ["self_reviewed", "shared"] {
        let moved = app.post(&format!("{slot}/state"), &team.rep, json!({"state": state}));
        assert_eq!(moved.status, 200, "{}", moved.text);
    }
    let shared = search(&team.manager, "discount");
    assert_eq!(shared["items"][0]["matches"][0]["source"], "comment", "{shared}");
    // Search syntax is plain text, never an error.
    assert_eq!(
        search(&team.rep, "\"pricing\" OR (delay* NEAR -x)")["items"].as_array().map(Vec::len),
        Some(0)
    );
    assert!(search(&team.rep, "delay's costs")["items"].as_array().is_some_and(|i| i.len() == 1));
    // Another organisation sees nothing.
    let stranger = Team::create(&app, "Other Search Org");
    assert_eq!(search(&stranger.admin, "pricing")["items"].as_array().map(Vec::len), Some(0));
    // Bad queries are explained.
    TestApp::send(app.request(Method::GET, "/v1/search", Some(&team.rep)).query(&[("q", " ?! ")]))
        .problem(422, "invalid_field");
    app.get("/v1/search", &team.rep).problem(400, "invalid_query");
}

/// Search filters comments in SQL; the comment list applies the review rule
/// in Rust. For every role, both must show the same comments, before and
/// after the rep shares the call.
#[test]
fn search_shows_exactly_the_comments_the_comment_list_shows_for_every_role() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Privacy Org");
    let director_id = app.create_user(&team.admin, "director@privacy.example", "manager", None);
    let moved = app.patch(
        &format!("/v1/users/{}", team.manager_id),
        &team.admin,
        json!({"manager_id": director_id}),
    );
    assert_eq!(moved.status, 200, "{}", moved.text);
    let peer_id =
        app.create_user(&team.admin, "peer@privacy.example", "rep", Some(&team.manager_id));
    let outsider_id = app.create_user(&team.admin, "outsider@privacy.example", "manager", None);
    let viewers = [
        ("the rep", team.rep.clone()),
        ("their manager", team.manager.clone()),
        ("the manager's manager", app.issue_token(&team.admin, &director_id)),
        ("an admin", team.admin.clone()),
        ("a peer rep", app.issue_token(&team.admin, &peer_id)),
        ("a manager outside the chain", app.issue_token(&team.admin, &outsider_id)),
    ];

    let call = app.ready_call(&team.rep, &team.rep_id, "speech-8k-mono-s16.wav", "audio/wav");
    for (token, at_ms) in [(&team.rep, 100), (&team.manager, 200), (&team.admin, 300)] {
        let reply = app.post(
            &format!("/v1/calls/{call}/comments"),
            token,
            json!({"at_ms": at_ms, "body": "The objection was handled here", "kind": "note"}),
        );
        assert_eq!(reply.status, 201, "{}", reply.text);
    }

    let listed = |token: &str| -> Vec<String> {
        let reply = app.get(&format!("/v1/calls/{call}/comments"), token);
        if reply.status == 404 {
            return Vec::new();
        }
        assert_eq!(reply.status, 200, "{}", reply.text);
        let mut ids: Vec<String> = reply.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let found = |token: &str| -> Vec<String> {
        let reply = TestApp::send(
            app.request(Method::GET, "/v1/search", Some(token)).query(&[("q", "objection")]),
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
        let mut ids: Vec<String> = reply.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|hit| hit["matches"].as_array().unwrap().clone())
            .filter(|m| m["source"] == "comment")
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let check = |moment: &str, expected_counts: [usize; 6]| {
        for ((who, token), expected) in viewers.iter().zip(expected_counts) {
            let (listed, found) = (listed(token), found(token));
            assert_eq!(found, listed, "{who}, {moment}: search and the comment list differ");
            assert_eq!(listed.len(), expected, "{who}, {moment}");
        }
    };
    // Before sharing the rep's comment is theirs alone; the others' comments
    // are seen by everyone who can see the call.
    check("before sharing", [3, 2, 2, 2, 0, 0]);
    let slot = format!("/v1/reps/{}/weeks/2026-W48/nominations/struggled", team.rep_id);
    assert_eq!(app.put_json(&slot, &team.rep, json!({"call_id": call})).status, 200);
    for state in ["self_reviewed", "shared"] {
        let moved = app.move_review(&team.rep, &team.rep_id, "2026-W48", "struggled", state);
        assert_eq!(moved.status, 200, "{}", moved.text);
    }
    check("after sharing", [3, 3, 3, 3, 0, 0]);
}

#[test]
fn a_stuck_analysis_never_delays_a_recording_fetch() {
    let dialer = Dialer::start();
    let scripts = tempfile::tempdir().unwrap();
    let hang = scripts.path().join("hanging-analyzer.sh");
    std::fs::write(&hang, "#!/bin/sh\nexec sleep 300\n").unwrap();
    std::fs::set_permissions(&hang, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let app = TestApp::spawn_with(&[
        ("FILMROOM_ALLOW_PRIVATE_FETCH", "127.0.0.1/32"),
        ("FILMROOM_ANALYZER", hang.to_str().unwrap()),
        ("FILMROOM_ANALYSIS_BASE_SECS", "300"),
    ]);
    let s = setup(&app, "Lane Org", json!({}));
    // A call whose analysis hangs holds the only analysis worker.
    let call = app.create_call(&s.team.rep, &s.team.rep_id);
    let upload = app.upload(&s.team.rep, &call, fixture("speech-8k-mono-s16.wav"), "audio/wav");
    assert_eq!(upload.status, 200, "{}", upload.text);
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.get(&format!("/v1/calls/{call}"), &s.team.rep).json()["status"] != "processing" {
        assert!(Instant::now() < deadline, "no worker took the analysis");
        std::thread::sleep(Duration::from_millis(50));
    }
    // A dialer's recording is still fetched at once, and waits for analysis.
    let pushed = push_url(&app, &s.integration, "lane-1", &dialer.url("/rec.wav"));
    assert_eq!(pushed.status, 201, "{}", pushed.text);
    let id = pushed.json()["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status =
            app.get(&format!("/v1/integrations/calls/{id}"), &s.integration).json()["status"]
                .clone();
        if status == "queued" {
            break;
        }
        assert_eq!(status, "uploading", "{status}");
        assert!(Instant::now() < deadline, "the fetch waited behind the stuck analysis");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(dialer.paths().contains(&"/rec.wav".to_owned()));
}
