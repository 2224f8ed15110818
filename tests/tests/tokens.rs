//! API tokens: issued once, listed without secrets, revoked at once.
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
use serde_json::json;

#[test]
fn a_token_is_shown_once_and_listed_without_its_secret() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let issued = app.post(
        &format!("/v1/users/{}/tokens", team.rep_id),
        &team.rep,
        json!({"name": "laptop"}),
    );
    assert_eq!(issued.status, 201, "{}", issued.text);
    let issued = issued.json();
    let secret = issued["secret"].as_str().unwrap();
    assert!(secret.starts_with("fr_"));
    assert_eq!(issued["token"]["name"], "laptop");
    assert_eq!(issued["token"]["prefix"].as_str().unwrap(), &secret[..8]);

    assert_eq!(app.get("/v1/me", secret).status, 200);
    let listed = app.get(&format!("/v1/users/{}/tokens", team.rep_id), &team.rep);
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert!(!listed.text.contains(secret), "a listing must never carry a secret");
    let items = listed.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "the admin-issued token and the laptop token");
    let laptop = items.iter().find(|t| t["name"] == "laptop").unwrap();
    assert!(laptop["last_used_at"].is_string(), "using a token records when: {laptop}");
    assert!(laptop.get("secret").is_none());
}

#[test]
fn a_revoked_token_stops_working_at_once() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let issued = app
        .post(&format!("/v1/users/{}/tokens", team.rep_id), &team.rep, json!({"name": "phone"}))
        .json();
    let secret = issued["secret"].as_str().unwrap();
    let id = issued["token"]["id"].as_str().unwrap();
    assert_eq!(app.get("/v1/me", secret).status, 200);

    let reply = app.delete(&format!("/v1/tokens/{id}"), &team.rep);
    assert_eq!(reply.status, 204, "{}", reply.text);
    app.get("/v1/me", secret).problem(401, "token_revoked");
    assert_eq!(
        app.delete(&format!("/v1/tokens/{id}"), &team.rep).status,
        204,
        "revoking twice is harmless"
    );
    assert_eq!(app.get("/v1/me", &team.rep).status, 200, "other tokens keep working");

    let listed = app.get(&format!("/v1/users/{}/tokens", team.rep_id), &team.rep).json();
    let phone =
        listed["items"].as_array().unwrap().iter().find(|t| t["id"] == id).cloned().unwrap();
    assert!(phone["revoked_at"].is_string());
}

#[test]
fn admins_manage_anyones_tokens_and_others_only_their_own() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let rep_tokens = format!("/v1/users/{}/tokens", team.rep_id);
    app.get(&rep_tokens, &team.manager).problem(403, "forbidden");
    app.post(&rep_tokens, &team.manager, json!({"name": "x"})).problem(403, "forbidden");
    app.get(&format!("/v1/users/{}/tokens", team.manager_id), &team.rep)
        .problem(404, "user_not_found");

    let rep_token_id =
        app.get(&rep_tokens, &team.admin).json()["items"][0]["id"].as_str().unwrap().to_owned();
    app.delete(&format!("/v1/tokens/{rep_token_id}"), &team.manager)
        .problem(404, "token_not_found");
    assert_eq!(app.get("/v1/me", &team.rep).status, 200);
    assert_eq!(app.delete(&format!("/v1/tokens/{rep_token_id}"), &team.admin).status, 204);
    app.get("/v1/me", &team.rep).problem(401, "token_revoked");

    let other = Team::create(&app, "Globex");
    let other_token_id = app
        .get(&format!("/v1/users/{}/tokens", other.rep_id), &other.admin)
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.delete(&format!("/v1/tokens/{other_token_id}"), &team.admin)
        .problem(404, "token_not_found");
    assert_eq!(app.get("/v1/me", &other.rep).status, 200);
}

#[test]
fn missing_malformed_and_unknown_tokens_each_get_their_own_problem() {
    let app = TestApp::spawn();
    let _team = Team::create(&app, "Acme");
    let reply = TestApp::send(app.request(reqwest::Method::GET, "/v1/me", None));
    reply.problem(401, "missing_token");
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    app.get("/v1/me", "fr_not-a-real-token").problem(401, "invalid_token");
    let basic = TestApp::send(
        app.request(reqwest::Method::GET, "/v1/me", None).header("authorization", "Basic YTpi"),
    );
    basic.problem(401, "invalid_token");
}

#[test]
fn a_token_name_is_required() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let path = format!("/v1/users/{}/tokens", team.rep_id);
    let body = app.post(&path, &team.rep, json!({"name": "  "})).problem(422, "invalid_field");
    assert_eq!(body["field"], "name");
    let body = app.post(&path, &team.rep, json!({})).problem(422, "invalid_field");
    assert!(body["detail"].as_str().unwrap().contains("name"), "{body}");
}

#[test]
fn revoking_a_token_revokes_every_token_minted_with_it() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let mint = |with: &str| {
        let reply =
            app.post(&format!("/v1/users/{}/tokens", team.rep_id), with, json!({"name": "minted"}));
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.json()["secret"].as_str().unwrap().to_owned()
    };
    // team.rep was issued by the admin; it mints a child, which mints a grandchild.
    let child = mint(&team.rep);
    let grandchild = mint(&child);
    let sibling = mint(&team.admin);
    // The rep's first token (oldest first in the list) is the one that leaked.
    let listed = app.get(&format!("/v1/users/{}/tokens", team.rep_id), &team.admin).json();
    let stolen_id = listed["items"][0]["id"].as_str().unwrap().to_owned();
    let revoked = app.delete(&format!("/v1/tokens/{stolen_id}"), &team.admin);
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    for token in [&team.rep, &child, &grandchild] {
        app.get("/v1/me", token).problem(401, "token_revoked");
    }
    // A token the admin issued separately is not in that lineage.
    assert_eq!(app.get("/v1/me", &sibling).status, 200);
    // Nor are the tokens an admin issued for other people in the admin's own:
    // revoking the admin's token leaves them working.
    let admins = app.get(&format!("/v1/users/{}/tokens", team.admin_id), &team.admin).json();
    let admin_token = admins["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.delete(&format!("/v1/tokens/{admin_token}"), &team.admin).status, 204);
    app.get("/v1/me", &team.admin).problem(401, "token_revoked");
    for token in [&sibling, &team.manager] {
        assert_eq!(app.get("/v1/me", token).status, 200);
    }
}
