//! Organisations, users, the management tree and who sees whom.
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
fn the_readme_walkthrough_creates_a_manager_and_a_rep_who_can_sign_in() {
    let app = TestApp::spawn();
    let admin = app.bootstrap("Acme", "ada@acme.example");

    let manager = app.post(
        "/v1/users",
        &admin,
        json!({"email": "Grace@Acme.example", "name": "Grace", "role": "manager"}),
    );
    assert_eq!(manager.status, 201, "{}", manager.text);
    let manager = manager.json();
    assert_eq!(manager["email"], "grace@acme.example", "emails are lower-cased");
    assert_eq!(manager["role"], "manager");
    assert_eq!(manager["active"], true);

    let rep = app.post(
        "/v1/users",
        &admin,
        json!({"email": "rex@acme.example", "name": "Rex", "role": "rep",
               "manager_id": manager["id"], "external_ids": {"twilio": "client:rex"}}),
    );
    assert_eq!(rep.status, 201, "{}", rep.text);
    assert_eq!(
        rep.header("location"),
        Some(format!("/v1/users/{}", rep.json()["id"].as_str().unwrap()).as_str())
    );
    let rep = rep.json();
    assert_eq!(rep["manager_id"], manager["id"]);
    assert_eq!(rep["external_ids"]["twilio"], "client:rex");

    let rep_token = app.issue_token(&admin, rep["id"].as_str().unwrap());
    let me = app.get("/v1/me", &rep_token);
    assert_eq!(me.status, 200, "{}", me.text);
    let me = me.json();
    assert_eq!(me["user"]["id"], rep["id"]);
    assert_eq!(me["organisation"]["name"], "Acme");
    assert_eq!(me["organisation"]["timezone"], "Europe/Berlin");
    assert_eq!(
        me["user"]["timezone"],
        serde_json::Value::Null,
        "a person follows the organisation"
    );

    // A person's own time zone: set, refused when it is not one, and unset.
    let mine = app.patch("/v1/me", &rep_token, json!({"timezone": "America/New_York"}));
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(mine.json()["user"]["timezone"], "America/New_York");
    app.patch("/v1/me", &rep_token, json!({"timezone": "Mars/Olympus"}))
        .problem(422, "invalid_field");
    assert_eq!(app.get("/v1/me", &rep_token).json()["user"]["timezone"], "America/New_York");
    // Leaving it out changes nothing; null goes back to the organisation's.
    assert_eq!(
        app.patch("/v1/me", &rep_token, json!({})).json()["user"]["timezone"],
        "America/New_York"
    );
    let back = app.patch("/v1/me", &rep_token, json!({"timezone": null})).json();
    assert_eq!(back["user"]["timezone"], serde_json::Value::Null);
}

#[test]
fn another_organisation_gets_404_for_everything_of_the_first() {
    let app = TestApp::spawn();
    let acme = Team::create(&app, "Acme");
    let globex = Team::create(&app, "Globex");

    let reply = app.get(&format!("/v1/users/{}", acme.rep_id), &globex.admin);
    reply.problem(404, "user_not_found");
    let reply =
        app.patch(&format!("/v1/users/{}", acme.rep_id), &globex.admin, json!({"name": "x"}));
    reply.problem(404, "user_not_found");
    let reply =
        app.post(&format!("/v1/users/{}/tokens", acme.rep_id), &globex.admin, json!({"name": "x"}));
    reply.problem(404, "user_not_found");
    let reply = app.get(&format!("/v1/users/{}/tokens", acme.rep_id), &globex.admin);
    reply.problem(404, "user_not_found");

    let listed = app.get("/v1/users", &globex.admin).json();
    let ids: Vec<_> = listed["items"].as_array().unwrap().iter().map(|u| u["id"].clone()).collect();
    assert_eq!(ids.len(), 3, "Globex sees only its own three users: {listed}");
    assert!(!ids.contains(&json!(acme.rep_id)));

    // A manager in another org cannot adopt Acme's rep either.
    let reply = app.patch(
        &format!("/v1/users/{}", globex.rep_id),
        &globex.admin,
        json!({"manager_id": acme.manager_id}),
    );
    let body = reply.problem(422, "invalid_field");
    assert_eq!(body["field"], "manager_id");
}

#[test]
fn reps_see_themselves_managers_their_subtree_and_admins_everyone() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let director_id = app.create_user(&team.admin, "director@acme.example", "manager", None);
    let director = app.issue_token(&team.admin, &director_id);
    let reply = app.patch(
        &format!("/v1/users/{}", team.manager_id),
        &team.admin,
        json!({"manager_id": director_id}),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let peer_id = app.create_user(&team.admin, "peer@acme.example", "rep", Some(&team.manager_id));
    let peer = app.issue_token(&team.admin, &peer_id);
    let other_manager_id = app.create_user(&team.admin, "other@acme.example", "manager", None);
    let other_manager = app.issue_token(&team.admin, &other_manager_id);

    let rep_path = format!("/v1/users/{}", team.rep_id);
    assert_eq!(app.get(&rep_path, &team.rep).status, 200, "the rep");
    assert_eq!(app.get(&rep_path, &team.manager).status, 200, "the direct manager");
    assert_eq!(app.get(&rep_path, &director).status, 200, "the skip-level manager");
    assert_eq!(app.get(&rep_path, &team.admin).status, 200, "an admin");
    app.get(&rep_path, &peer).problem(404, "user_not_found");
    app.get(&rep_path, &other_manager).problem(404, "user_not_found");
    app.get(&format!("/v1/users/{}", team.manager_id), &team.rep).problem(404, "user_not_found");

    let count = |token: &str| app.get("/v1/users", token).json()["items"].as_array().unwrap().len();
    assert_eq!(count(&team.rep), 1, "a rep lists only themselves");
    assert_eq!(count(&team.manager), 3, "manager, rep, peer");
    assert_eq!(count(&director), 4, "director, manager, rep, peer");
    assert_eq!(count(&team.admin), 6);
    assert_eq!(count(&other_manager), 1);
}

#[test]
fn only_admins_add_or_change_users() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let new_user = json!({"email": "x@acme.example", "name": "X", "role": "rep"});
    app.post("/v1/users", &team.manager, new_user.clone()).problem(403, "forbidden");
    app.post("/v1/users", &team.rep, new_user).problem(403, "forbidden");
    app.patch(&format!("/v1/users/{}", team.rep_id), &team.manager, json!({"name": "Y"}))
        .problem(403, "forbidden");
    app.patch(&format!("/v1/users/{}", team.rep_id), &team.rep, json!({"role": "admin"}))
        .problem(403, "forbidden");
}

#[test]
fn a_management_cycle_is_refused() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let director_id = app.create_user(&team.admin, "director@acme.example", "manager", None);
    app.patch(
        &format!("/v1/users/{}", team.manager_id),
        &team.admin,
        json!({"manager_id": director_id}),
    );

    let body = app
        .patch(
            &format!("/v1/users/{director_id}"),
            &team.admin,
            json!({"manager_id": team.manager_id}),
        )
        .problem(409, "management_cycle");
    assert_eq!(body["field"], "manager_id");
    app.patch(&format!("/v1/users/{director_id}"), &team.admin, json!({"manager_id": director_id}))
        .problem(409, "management_cycle");
    // Unchanged: the director still has no manager.
    let director = app.get(&format!("/v1/users/{director_id}"), &team.admin).json();
    assert_eq!(director["manager_id"], serde_json::Value::Null);
}

#[test]
fn a_manager_must_be_an_active_manager_or_admin_of_the_organisation() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let body = app
        .post(
            "/v1/users",
            &team.admin,
            json!({"email": "x@acme.example", "name": "X", "role": "rep", "manager_id": team.rep_id}),
        )
        .problem(422, "invalid_field");
    assert_eq!(body["field"], "manager_id");
    assert!(body["detail"].as_str().unwrap().contains("is a rep"), "{body}");

    let missing = uuid::Uuid::now_v7();
    let body = app
        .post(
            "/v1/users",
            &team.admin,
            json!({"email": "x@acme.example", "name": "X", "role": "rep", "manager_id": missing}),
        )
        .problem(422, "invalid_field");
    assert!(body["detail"].as_str().unwrap().contains(&missing.to_string()));
}

#[test]
fn removing_a_manager_with_null_and_leaving_it_out_are_different() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let path = format!("/v1/users/{}", team.rep_id);
    let kept = app.patch(&path, &team.admin, json!({"name": "Rex Renamed"})).json();
    assert_eq!(kept["manager_id"], json!(team.manager_id));
    assert_eq!(kept["name"], "Rex Renamed");
    let removed = app.patch(&path, &team.admin, json!({"manager_id": null})).json();
    assert_eq!(removed["manager_id"], serde_json::Value::Null);
}

#[test]
fn emails_and_external_ids_are_unique_within_an_organisation_only() {
    let app = TestApp::spawn();
    let acme = Team::create(&app, "Acme");
    let globex = Team::create(&app, "Globex");

    app.post(
        "/v1/users",
        &acme.admin,
        json!({"email": "REP@acme.example", "name": "Dup", "role": "rep"}),
    )
    .problem(409, "email_taken");
    let reply = app.post(
        "/v1/users",
        &globex.admin,
        json!({"email": "rep@acme.example", "name": "Same address, other tenant", "role": "rep"}),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);

    app.patch(
        &format!("/v1/users/{}", acme.rep_id),
        &acme.admin,
        json!({"external_ids": {"twilio": "u1"}}),
    );
    let body = app
        .post(
            "/v1/users",
            &acme.admin,
            json!({"email": "n@acme.example", "name": "N", "role": "rep", "external_ids": {"twilio": "u1"}}),
        )
        .problem(409, "external_id_taken");
    assert!(body["detail"].as_str().unwrap().contains(&acme.rep_id), "{body}");
    let reply = app.patch(
        &format!("/v1/users/{}", globex.rep_id),
        &globex.admin,
        json!({"external_ids": {"twilio": "u1"}}),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);

    app.patch(
        &format!("/v1/users/{}", acme.manager_id),
        &acme.admin,
        json!({"email": "rep@acme.example"}),
    )
    .problem(409, "email_taken");
}

#[test]
fn the_last_active_admin_cannot_be_demoted_or_deactivated() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let path = format!("/v1/users/{}", team.admin_id);
    app.patch(&path, &team.admin, json!({"active": false})).problem(409, "last_admin");
    app.patch(&path, &team.admin, json!({"role": "manager"})).problem(409, "last_admin");
    assert_eq!(app.get("/v1/me", &team.admin).status, 200);

    let second = app.create_user(&team.admin, "second@acme.example", "admin", None);
    let reply = app.patch(&path, &team.admin, json!({"role": "manager"}));
    assert_eq!(reply.status, 200, "{}", reply.text);
    // Now a manager without reports, the former admin no longer sees the new one.
    app.get(&format!("/v1/users/{second}"), &team.admin).problem(404, "user_not_found");
}

#[test]
fn a_manager_with_reports_cannot_become_a_rep() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let body = app
        .patch(&format!("/v1/users/{}", team.manager_id), &team.admin, json!({"role": "rep"}))
        .problem(409, "has_reports");
    assert_eq!(body["field"], "role");
    app.patch(&format!("/v1/users/{}", team.rep_id), &team.admin, json!({"manager_id": null}));
    let reply =
        app.patch(&format!("/v1/users/{}", team.manager_id), &team.admin, json!({"role": "rep"}));
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[test]
fn deactivating_a_user_stops_their_tokens_at_once_and_reactivating_restores_them() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    assert_eq!(app.get("/v1/me", &team.rep).status, 200);
    let path = format!("/v1/users/{}", team.rep_id);
    let reply = app.patch(&path, &team.admin, json!({"active": false}));
    assert_eq!(reply.json()["active"], false);
    app.get("/v1/me", &team.rep).problem(401, "user_deactivated");
    app.post(&format!("/v1/users/{}/tokens", team.rep_id), &team.admin, json!({"name": "new"}))
        .problem(422, "invalid_field");
    app.patch(&path, &team.admin, json!({"active": true}));
    assert_eq!(app.get("/v1/me", &team.rep).status, 200);
}

#[test]
fn user_lists_page_with_an_opaque_cursor() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    for n in 0..4 {
        app.create_user(&team.admin, &format!("rep{n}@acme.example"), "rep", None);
    }
    let mut seen = Vec::new();
    let mut path = "/v1/users?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let page = app.get(&path, &team.admin);
        assert_eq!(page.status, 200, "{}", page.text);
        let page = page.json();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|u| u["id"].as_str().unwrap().to_owned()));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/users?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3, "7 users in pages of 3");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 7, "every user exactly once: {seen:?}");
    assert_eq!(seen, unique, "pages come in creation order");
}
