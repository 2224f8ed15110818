//! Bad input gets a specific problem+json, never a 500.
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

use filmroom_tests::{Team, TestApp};
use reqwest::Method;
use serde_json::json;

fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    content_type: &str,
    body: &str,
) -> filmroom_tests::Reply {
    TestApp::send(
        app.request(method, path, Some(token))
            .header("content-type", content_type)
            .body(body.to_owned()),
    )
}

#[test]
fn malformed_json_is_a_400_that_says_where() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let body = raw(
        &app,
        Method::POST,
        "/v1/users",
        &team.admin,
        "application/json",
        r#"{"email": "a@b.co","#,
    )
    .problem(400, "malformed_json");
    assert!(body["detail"].as_str().unwrap().contains("line 1"), "{body}");
    raw(&app, Method::POST, "/v1/users", &team.admin, "application/json", "")
        .problem(400, "malformed_json");
    raw(
        &app,
        Method::POST,
        "/v1/users",
        &team.admin,
        "application/json",
        r#"{"email": "a@acme.example", "name": "A", "role": "rep"} trailing"#,
    )
    .problem(400, "malformed_json");
}

#[test]
fn wrong_types_and_missing_fields_name_the_field() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let body = app
        .post(
            "/v1/users",
            &team.admin,
            json!({"email": "a@acme.example", "name": 7, "role": "rep"}),
        )
        .problem(422, "invalid_field");
    assert_eq!(body["field"], "name");
    let body = app
        .post(
            "/v1/users",
            &team.admin,
            json!({"email": "a@acme.example", "name": "A", "role": "boss"}),
        )
        .problem(422, "invalid_field");
    assert_eq!(body["field"], "role");
    assert!(body["detail"].as_str().unwrap().contains("rep"), "lists the accepted roles: {body}");
    let body = app
        .post("/v1/users", &team.admin, json!({"email": "a@acme.example", "role": "rep"}))
        .problem(422, "invalid_field");
    assert!(body["detail"].as_str().unwrap().contains("`name`"), "{body}");
    let body = app
        .post(
            "/v1/users",
            &team.admin,
            json!({"email": "not-an-email", "name": "A", "role": "rep"}),
        )
        .problem(422, "invalid_field");
    assert_eq!(body["field"], "email");
    let body = app
        .post(
            "/v1/users",
            &team.admin,
            json!({"email": "a@acme.example", "name": "A", "role": "rep", "manager_id": "nope"}),
        )
        .problem(422, "invalid_field");
    assert_eq!(body["field"], "manager_id");
    let body = app
        .post("/v1/users", &team.admin, json!({"email": "a@acme.example", "name": "A", "role": "rep", "external_ids": {"Bad Source": "x"}}))
        .problem(422, "invalid_field");
    assert_eq!(body["field"], "external_ids");
    app.post("/v1/users", &team.admin, json!(["a list"])).problem(422, "invalid_field");
}

#[test]
fn unknown_fields_are_refused_by_name() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let body = app
        .post(
            "/v1/users",
            &team.admin,
            json!({"email": "a@acme.example", "name": "A", "role": "rep", "nickname": "x"}),
        )
        .problem(422, "unknown_field");
    assert_eq!(body["field"], "nickname");
    assert!(body["detail"].as_str().unwrap().contains("expected one of"), "{body}");
    let body = app
        .patch(&format!("/v1/users/{}", team.rep_id), &team.admin, json!({"manager": null}))
        .problem(422, "unknown_field");
    assert_eq!(body["field"], "manager");
}

#[test]
fn an_oversize_body_is_a_413_and_a_non_json_body_a_415() {
    let app = TestApp::spawn_with(&[("FILMROOM_MAX_JSON_BYTES", "1024")]);
    let team = Team::create(&app, "Acme");
    let huge = json!({"email": "a@acme.example", "name": "x".repeat(2000), "role": "rep"});
    let body = app.post("/v1/users", &team.admin, huge).problem(413, "payload_too_large");
    assert!(body["detail"].as_str().unwrap().contains("1024"), "{body}");
    raw(&app, Method::POST, "/v1/users", &team.admin, "text/plain", "{}")
        .problem(415, "unsupported_media_type");
    let reply = TestApp::send(app.request(Method::POST, "/v1/users", Some(&team.admin)).body("{}"));
    reply.problem(415, "unsupported_media_type");
    // Chunked, with no Content-Length up front.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..20).map(|_| Ok(vec![b' '; 100])).collect();
    let reply = TestApp::send(
        app.request(Method::POST, "/v1/users", Some(&team.admin))
            .header("content-type", "application/json")
            .body(reqwest::blocking::Body::new(ChunkReader(chunks.into_iter()))),
    );
    reply.problem(413, "payload_too_large");
}

struct ChunkReader(std::vec::IntoIter<Result<Vec<u8>, std::io::Error>>);

impl std::io::Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.0.next() {
            Some(Ok(chunk)) => {
                let n = chunk.len().min(buf.len());
                buf[..n].copy_from_slice(&chunk[..n]);
                Ok(n)
            }
            Some(Err(e)) => Err(e),
            None => Ok(0),
        }
    }
}

#[test]
fn malformed_ids_queries_and_cursors_are_400s() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    app.get("/v1/users/not-a-uuid", &team.admin).problem(400, "invalid_path");
    app.delete("/v1/tokens/42", &team.admin).problem(400, "invalid_path");
    app.get("/v1/users?limit=0", &team.admin).problem(400, "invalid_query");
    app.get("/v1/users?limit=abc", &team.admin).problem(400, "invalid_query");
    app.get("/v1/users?sort=name", &team.admin).problem(400, "invalid_query");
    app.get("/v1/users?cursor=bogus", &team.admin).problem(400, "invalid_cursor");
}

#[test]
fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    app.get("/v1/nothing-here", &team.admin).problem(404, "route_not_found");
    let reply = TestApp::send(app.request(Method::PUT, "/v1/users", Some(&team.admin)));
    reply.problem(405, "method_not_allowed");
    assert_eq!(reply.header("allow"), Some("GET, POST"));
    let reply = app.delete(&format!("/v1/users/{}", team.rep_id), &team.admin);
    reply.problem(405, "method_not_allowed");
}

#[test]
fn a_nonexistent_id_is_a_404_not_a_500() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let missing = uuid::Uuid::now_v7();
    app.get(&format!("/v1/users/{missing}"), &team.admin).problem(404, "user_not_found");
    app.patch(&format!("/v1/users/{missing}"), &team.admin, json!({"name": "x"}))
        .problem(404, "user_not_found");
    app.delete(&format!("/v1/tokens/{missing}"), &team.admin).problem(404, "token_not_found");
}

#[test]
fn control_characters_are_refused_naming_the_field_on_every_backend() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let nul = "before\u{0}after";
    // JSON bodies, at any depth.
    let refused =
        app.post("/v1/calls", &team.rep, json!({"rep_id": team.rep_id, "external_ref": nul}));
    assert_eq!(refused.problem(422, "invalid_field")["field"], "external_ref");
    let refused = app.post(
        "/v1/calls",
        &team.rep,
        json!({"rep_id": team.rep_id, "counterpart": {"name": "Ada", "company": nul}}),
    );
    assert_eq!(refused.problem(422, "invalid_field")["field"], "counterpart.company");
    let refused = app.patch(
        &format!("/v1/users/{}", team.rep_id),
        &team.admin,
        json!({"external_ids": {"twilio": nul}}),
    );
    assert_eq!(refused.problem(422, "invalid_field")["field"], "external_ids.twilio");
    let refused = app.put_json(
        "/v1/rubric",
        &team.admin,
        json!({"criteria": [{"key": "discovery", "name": "Disc\u{7}overy"}]}),
    );
    let body = refused.problem(422, "invalid_field");
    assert_eq!(body["field"], "criteria[0].name");
    assert!(body["detail"].as_str().unwrap().contains("U+0007"), "{body}");
    // A comment and a transcript on a ready call.
    let call = app.ready_call(&team.rep, &team.rep_id, "speech-8k-mono-s16.wav", "audio/wav");
    let refused = app.post(
        &format!("/v1/calls/{call}/comments"),
        &team.rep,
        json!({"at_ms": 0, "body": nul, "kind": "note"}),
    );
    assert_eq!(refused.problem(422, "invalid_field")["field"], "body");
    let vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\u{0} there\n";
    let refused = app.put_transcript(&team.rep, &call, "text/vtt", vtt);
    assert_eq!(refused.problem(422, "invalid_field")["field"], "segments[0].text");
    // Query strings.
    let refused =
        TestApp::send(app.request(Method::GET, "/v1/search", Some(&team.rep)).query(&[("q", nul)]));
    let body = refused.problem(400, "invalid_query");
    assert!(body["detail"].as_str().unwrap().contains("`q`"), "{body}");
    // Tabs and line breaks are text, and are kept.
    let kept = app.post(
        &format!("/v1/calls/{call}/comments"),
        &team.rep,
        json!({"at_ms": 0, "body": "Two lines:\n\tfirst\r\n\tsecond", "kind": "note"}),
    );
    assert_eq!(kept.status, 201, "{}", kept.text);
    assert_eq!(kept.json()["body"], "Two lines:\n\tfirst\r\n\tsecond");
}
