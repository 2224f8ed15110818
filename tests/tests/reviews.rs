//! The weekly two-call review over HTTP: nominations, states, comments,
//! rubric, scores, progress, the team board, settings and events.
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
use serde_json::{Value, json};

const WEEK: &str = "2026-W48";

fn rubric() -> Value {
    json!({"criteria": [
        {"key": "discovery", "name": "Discovery questions", "levels": [
            {"value": 1, "description": "No questions about the customer's situation"},
            {"value": 5, "description": "Uncovers pain, impact and timeline"}]},
        {"key": "next_steps", "name": "Next steps", "min": 0, "max": 3}
    ]})
}

fn slot_path(rep: &str, slot: &str) -> String {
    format!("/v1/reps/{rep}/weeks/{WEEK}/nominations/{slot}")
}

const MP3: (&str, &str) = ("speech-16k-mono.mp3", "audio/mpeg");

#[test]
fn a_reps_full_week_from_upload_to_manager_review() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let director_id = app.create_user(&team.admin, "director@acme.example", "manager", None);
    let director = app.issue_token(&team.admin, &director_id);
    app.patch(
        &format!("/v1/users/{}", team.manager_id),
        &team.admin,
        json!({"manager_id": director_id}),
    );
    assert_eq!(app.put_json("/v1/rubric", &team.admin, rubric()).status, 200);

    // Monday: the rep brings one call that went well and one they struggled with.
    let good = app.ready_call(&team.rep, &team.rep_id, MP3.0, MP3.1);
    let hard = app.ready_call(&team.rep, &team.rep_id, MP3.0, MP3.1);
    let nominated =
        app.put_json(&slot_path(&team.rep_id, "went_well"), &team.rep, json!({"call_id": good}));
    assert_eq!(nominated.status, 200, "{}", nominated.text);
    assert_eq!(nominated.json()["state"], "nominated");
    assert_eq!(
        app.put_json(&slot_path(&team.rep_id, "struggled"), &team.rep, json!({"call_id": hard}))
            .status,
        200
    );

    // No coaching until the rep has tried to coach themselves first.
    let body = app
        .move_review(&team.rep, &team.rep_id, WEEK, "struggled", "shared")
        .problem(409, "illegal_transition");
    assert_eq!(body["current_state"], "nominated");
    let body = app
        .move_review(&team.rep, &team.rep_id, WEEK, "struggled", "self_reviewed")
        .problem(409, "illegal_transition");
    assert!(body["detail"].as_str().unwrap().contains("comment"), "{body}");

    let own = app.comment(&team.rep, &hard, 1_500, "improve");
    assert_eq!(own["author"]["role"], "rep");
    let scores = json!([{"criterion": "discovery", "value": 2, "note": "Rushed to the pitch"}, {"criterion": "next_steps", "value": 1}]);
    let scored = app.put_json(
        &format!("{}/scores", slot_path(&team.rep_id, "struggled")),
        &team.rep,
        scores,
    );
    assert_eq!(scored.status, 200, "{}", scored.text);

    // Still private: the manager sees neither the rep's comment nor their self-scores.
    let seen = app.get(&format!("/v1/calls/{hard}/comments"), &team.manager).json();
    assert_eq!(seen["items"].as_array().unwrap().len(), 0, "{seen}");
    let week = app.get(&format!("/v1/reps/{}/weeks/{WEEK}", team.rep_id), &team.manager).json();
    assert_eq!(week["struggled"]["comments"]["rep"], 0);
    assert_eq!(week["struggled"]["scores"].as_array().unwrap().len(), 0);
    let mine = app.get(&format!("/v1/reps/{}/weeks/{WEEK}", team.rep_id), &team.rep).json();
    assert_eq!(mine["struggled"]["comments"]["rep"], 1);
    assert_eq!(mine["struggled"]["scores"].as_array().unwrap().len(), 2);

    assert_eq!(
        app.move_review(&team.rep, &team.rep_id, WEEK, "struggled", "self_reviewed").status,
        200
    );
    // Only the rep shares; the manager cannot do it for them.
    app.move_review(&team.manager, &team.rep_id, WEEK, "struggled", "shared")
        .problem(403, "forbidden");
    let shared = app.move_review(&team.rep, &team.rep_id, WEEK, "struggled", "shared");
    assert_eq!(shared.status, 200, "{}", shared.text);
    assert!(shared.json()["review_due"].is_string());

    // Shared: the manager now sees the rep's work, and the slot is locked.
    let seen = app.get(&format!("/v1/calls/{hard}/comments"), &team.manager).json();
    assert_eq!(seen["items"][0]["id"], own["id"]);
    assert_eq!(seen["items"][0]["author"]["name"], "rep");
    let week = app.get(&format!("/v1/reps/{}/weeks/{WEEK}", team.rep_id), &team.manager).json();
    assert_eq!(week["struggled"]["state"], "shared");
    assert_eq!(week["struggled"]["scores"].as_array().unwrap().len(), 2);
    app.put_json(&slot_path(&team.rep_id, "struggled"), &team.rep, json!({"call_id": good}))
        .problem(409, "nomination_locked");
    app.put_json(&format!("{}/scores", slot_path(&team.rep_id, "struggled")), &team.rep, json!([]))
        .problem(409, "nomination_locked");

    // The manager jumps to the rep's moment, leads with something positive, scores.
    let body = app
        .move_review(&team.manager, &team.rep_id, WEEK, "struggled", "manager_reviewed")
        .problem(409, "illegal_transition");
    assert_eq!(body["current_state"], "shared");
    app.comment(&team.manager, &hard, 1_000, "went_well");
    let reply = app.post(&format!("/v1/calls/{hard}/comments"), &team.manager,
        json!({"at_ms": 1_500, "body": "Ask about their timeline here", "kind": "improve", "parent_id": own["id"]}));
    assert_eq!(reply.status, 201, "{}", reply.text);
    let manager_scores =
        json!([{"criterion": "discovery", "value": 3}, {"criterion": "next_steps", "value": 1}]);
    assert_eq!(
        app.put_json(
            &format!("{}/scores", slot_path(&team.rep_id, "struggled")),
            &team.manager,
            manager_scores
        )
        .status,
        200
    );
    let reviewed =
        app.move_review(&team.manager, &team.rep_id, WEEK, "struggled", "manager_reviewed");
    assert_eq!(reviewed.status, 200, "{}", reviewed.text);
    assert_eq!(reviewed.json()["state"], "manager_reviewed");
    // The skip-level manager is in the chain and may close it as discussed.
    assert_eq!(
        app.move_review(&director, &team.rep_id, WEEK, "struggled", "discussed").status,
        200
    );

    let progress = app
        .get(&format!("/v1/reps/{}/progress?from=2026-W47&to=2026-W48", team.rep_id), &team.manager)
        .json();
    let week = &progress["weeks"][0];
    assert_eq!(week["week"], WEEK);
    let discovery = week["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["criterion"] == "discovery")
        .unwrap();
    assert_eq!(
        (discovery["self"].as_f64(), discovery["manager"].as_f64(), discovery["gap"].as_f64()),
        (Some(2.0), Some(3.0), Some(-1.0))
    );
    let only = app
        .get(
            &format!(
                "/v1/reps/{}/progress?criterion=next_steps&from=2026-W48&to=2026-W48",
                team.rep_id
            ),
            &team.rep,
        )
        .json();
    assert_eq!(only["weeks"][0]["criteria"].as_array().unwrap().len(), 1);

    let events = app.get("/v1/events", &team.admin).json();
    let kinds: Vec<&str> =
        events["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        vec!["call.ready", "call.ready", "review.shared", "review.manager_reviewed"],
        "{events}"
    );
    assert_eq!(events["items"][2]["payload"]["slot"], "struggled");
    app.get("/v1/events", &team.manager).problem(403, "forbidden");
}

#[test]
fn nominations_take_the_reps_own_ready_calls_one_per_slot() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let peer_id = app.create_user(&team.admin, "peer@acme.example", "rep", Some(&team.manager_id));
    let peer = app.issue_token(&team.admin, &peer_id);
    let call = app.ready_call(&team.rep, &team.rep_id, MP3.0, MP3.1);
    let other = app.ready_call(&team.rep, &team.rep_id, MP3.0, MP3.1);
    let pending = app.create_call(&team.rep, &team.rep_id);
    let peers_call = app.ready_call(&peer, &peer_id, MP3.0, MP3.1);

    let body = app
        .put_json(&slot_path(&team.rep_id, "went_well"), &team.rep, json!({"call_id": pending}))
        .problem(422, "invalid_field");
    assert!(body["detail"].as_str().unwrap().contains("uploading"), "{body}");
    app.put_json(&slot_path(&team.rep_id, "went_well"), &team.rep, json!({"call_id": peers_call}))
        .problem(422, "invalid_field");
    app.put_json(&slot_path(&team.rep_id, "went_well"), &team.manager, json!({"call_id": call}))
        .problem(403, "forbidden");
    app.put_json(&slot_path(&team.rep_id, "went_well"), &peer, json!({"call_id": call}))
        .problem(404, "user_not_found");
    app.put_json(
        &format!("/v1/reps/{}/weeks/2026-W60/nominations/went_well", team.rep_id),
        &team.rep,
        json!({"call_id": call}),
    )
    .problem(422, "invalid_field");
    app.put_json(
        &format!("/v1/reps/{}/weeks/{WEEK}/nominations/best", team.rep_id),
        &team.rep,
        json!({"call_id": call}),
    )
    .problem(400, "invalid_path");

    assert_eq!(
        app.put_json(&slot_path(&team.rep_id, "went_well"), &team.rep, json!({"call_id": call}))
            .status,
        200
    );
    app.put_json(&slot_path(&team.rep_id, "struggled"), &team.rep, json!({"call_id": call}))
        .problem(409, "call_in_other_slot");
    // Replaced before it is shared: the slot holds the new call.
    assert_eq!(
        app.put_json(&slot_path(&team.rep_id, "went_well"), &team.rep, json!({"call_id": other}))
            .status,
        200
    );
    let week = app.get(&format!("/v1/reps/{}/weeks/{WEEK}", team.rep_id), &team.rep).json();
    assert_eq!(week["went_well"]["call"]["id"], json!(other));
    assert_eq!(week["struggled"], Value::Null);
    assert!(
        week["nomination_deadline"].as_str().unwrap().starts_with("2026-11-27T23:00:00"),
        "Friday midnight in Berlin: {week}"
    );

    // Visibility of the week: the rep, their chain, admins; not a peer, not another tenant.
    let path = format!("/v1/reps/{}/weeks/{WEEK}", team.rep_id);
    for token in [&team.rep, &team.manager, &team.admin] {
        assert_eq!(app.get(&path, token).status, 200);
    }
    app.get(&path, &peer).problem(404, "user_not_found");
    let globex = Team::create(&app, "Globex");
    app.get(&path, &globex.admin).problem(404, "user_not_found");
    app.move_review(&team.rep, &team.rep_id, WEEK, "struggled", "self_reviewed")
        .problem(404, "nomination_not_found");
}

#[test]
fn only_the_chain_reviews_and_an_admin_outside_it_cannot() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let other_manager_id = app.create_user(&team.admin, "other@acme.example", "manager", None);
    let other_manager = app.issue_token(&team.admin, &other_manager_id);
    let call = app.ready_call(&team.rep, &team.rep_id, MP3.0, MP3.1);
    app.put_json(&slot_path(&team.rep_id, "went_well"), &team.rep, json!({"call_id": call}));
    app.comment(&team.rep, &call, 0, "went_well");
    app.move_review(&team.rep, &team.rep_id, WEEK, "went_well", "self_reviewed");
    app.move_review(&team.rep, &team.rep_id, WEEK, "went_well", "shared");
    app.comment(&team.admin, &call, 10, "note");

    app.move_review(&team.admin, &team.rep_id, WEEK, "went_well", "manager_reviewed")
        .problem(403, "forbidden");
    app.move_review(&team.rep, &team.rep_id, WEEK, "went_well", "manager_reviewed")
        .problem(403, "forbidden");
    app.move_review(&other_manager, &team.rep_id, WEEK, "went_well", "manager_reviewed")
        .problem(404, "user_not_found");
    // The admin's comment does not count as a manager review.
    app.move_review(&team.manager, &team.rep_id, WEEK, "went_well", "manager_reviewed")
        .problem(409, "illegal_transition");
    app.move_review(&team.manager, &team.rep_id, WEEK, "went_well", "discussed")
        .problem(409, "illegal_transition");
    app.comment(&team.manager, &call, 20, "went_well");
    assert_eq!(
        app.move_review(&team.manager, &team.rep_id, WEEK, "went_well", "manager_reviewed").status,
        200
    );
    let body = app
        .move_review(&team.rep, &team.rep_id, WEEK, "went_well", "shared")
        .problem(409, "illegal_transition");
    assert_eq!(body["current_state"], "manager_reviewed");
    app.move_review(&team.manager, &team.rep_id, WEEK, "went_well", "manager_reviewed")
        .problem(409, "illegal_transition");
    app.post(
        &format!("{}/state", slot_path(&team.rep_id, "went_well")),
        &team.manager,
        json!({"state": "done"}),
    )
    .problem(422, "invalid_field");
}

#[test]
fn comments_are_validated_ordered_and_changed_by_their_author_only() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = app.ready_call(&team.rep, &team.rep_id, MP3.0, MP3.1);
    let path = format!("/v1/calls/{call}/comments");

    let body = app
        .post(&path, &team.manager, json!({"at_ms": 5_000, "body": "x", "kind": "note"}))
        .problem(400, "offset_out_of_range");
    assert!(body["detail"].as_str().unwrap().contains("3000"), "names the duration: {body}");
    assert_eq!(body["field"], "at_ms");
    app.post(&path, &team.manager, json!({"at_ms": -1, "body": "x", "kind": "note"}))
        .problem(400, "offset_out_of_range");
    app.post(
        &path,
        &team.manager,
        json!({"at_ms": 100, "end_ms": 50, "body": "x", "kind": "note"}),
    )
    .problem(422, "invalid_field");
    app.post(
        &path,
        &team.manager,
        json!({"at_ms": 100, "end_ms": 9_000, "body": "x", "kind": "note"}),
    )
    .problem(400, "offset_out_of_range");
    app.post(
        &path,
        &team.manager,
        json!({"at_ms": 100, "body": "x".repeat(10_001), "kind": "note"}),
    )
    .problem(422, "invalid_field");
    app.post(&path, &team.manager, json!({"at_ms": 100, "body": " ", "kind": "note"}))
        .problem(422, "invalid_field");
    app.post(&path, &team.manager, json!({"at_ms": 100, "body": "x", "kind": "praise"}))
        .problem(422, "invalid_field");

    let late = app.comment(&team.manager, &call, 2_500, "question");
    let early = app
        .post(
            &path,
            &team.manager,
            json!({"at_ms": 500, "end_ms": 1_500, "body": "Good opener", "kind": "went_well"}),
        )
        .json();
    let reply = app
        .post(
            &path,
            &team.admin,
            json!({"at_ms": 500, "body": "Agreed", "kind": "note", "parent_id": early["id"]}),
        )
        .json();
    app.post(
        &path,
        &team.manager,
        json!({"at_ms": 500, "body": "x", "kind": "note", "parent_id": reply["id"]}),
    )
    .problem(422, "invalid_field");

    let listed = app.get(&path, &team.manager).json();
    let at: Vec<i64> =
        listed["items"].as_array().unwrap().iter().map(|c| c["at_ms"].as_i64().unwrap()).collect();
    assert_eq!(at, vec![500, 500, 2_500], "ordered by time in the call");
    assert_eq!(listed["items"][0]["author"]["name"], "manager");

    let since = early["created_at"].as_str().unwrap();
    let newer =
        app.get(&format!("{path}?since={}", since.replace('+', "%2B")), &team.manager).json();
    assert_eq!(newer["items"].as_array().unwrap().len(), 1, "only the reply came after: {newer}");

    app.patch(
        &format!("/v1/comments/{}", late["id"].as_str().unwrap()),
        &team.admin,
        json!({"body": "mine now"}),
    )
    .problem(403, "forbidden");
    let edited = app.patch(
        &format!("/v1/comments/{}", late["id"].as_str().unwrap()),
        &team.manager,
        json!({"body": "Why pause here?", "at_ms": 2_400}),
    );
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(edited.json()["at_ms"], 2_400);
    // An edit from an older copy (another tab) is refused with the comment
    // as it stands; the version it names saves over it.
    let late_path = format!("/v1/comments/{}", late["id"].as_str().unwrap());
    let stale = late["version"].as_i64().expect("a comment has a version");
    assert_eq!(edited.json()["version"], stale + 1);
    assert_eq!(edited.header("etag"), Some(format!("\"{}\"", stale + 1).as_str()));
    let conflict = TestApp::send(
        app.request(reqwest::Method::PATCH, &late_path, Some(&team.manager))
            .header("If-Match", format!("\"{stale}\""))
            .json(&json!({"body": "From the old tab"})),
    )
    .problem(409, "edit_conflict");
    assert_eq!(conflict["conflict"]["theirs"], "Why pause here?");
    assert_eq!(conflict["conflict"]["changed_by"], "you");
    let over = TestApp::send(
        app.request(reqwest::Method::PATCH, &late_path, Some(&team.manager))
            .header(
                "If-Match",
                format!("\"{}\"", conflict["conflict"]["version"].as_str().unwrap()),
            )
            .json(&json!({"body": "From the old tab"})),
    );
    assert_eq!(over.status, 200, "{}", over.text);
    assert_eq!(over.json()["body"], "From the old tab");
    app.patch(
        &format!("/v1/comments/{}", late["id"].as_str().unwrap()),
        &team.manager,
        json!({"at_ms": 99_999}),
    )
    .problem(400, "offset_out_of_range");
    assert_eq!(
        app.delete(&format!("/v1/comments/{}", early["id"].as_str().unwrap()), &team.manager)
            .status,
        204
    );
    let listed = app.get(&path, &team.manager).json();
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        1,
        "the reply went with its thread: {listed}"
    );

    let pending = app.create_call(&team.rep, &team.rep_id);
    app.post(
        &format!("/v1/calls/{pending}/comments"),
        &team.rep,
        json!({"at_ms": 0, "body": "x", "kind": "note"}),
    )
    .problem(409, "not_ready_yet");
    let globex = Team::create(&app, "Globex");
    app.get(&path, &globex.admin).problem(404, "call_not_found");
    app.delete(&format!("/v1/comments/{}", late["id"].as_str().unwrap()), &globex.admin)
        .problem(404, "comment_not_found");
}

#[test]
fn rubric_versions_are_published_and_old_scores_keep_theirs() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    app.get("/v1/rubric", &team.rep).problem(409, "no_rubric");
    let call = app.ready_call(&team.rep, &team.rep_id, MP3.0, MP3.1);
    app.put_json(&slot_path(&team.rep_id, "went_well"), &team.rep, json!({"call_id": call}));
    app.put_json(
        &format!("{}/scores", slot_path(&team.rep_id, "went_well")),
        &team.rep,
        json!([{"criterion": "discovery", "value": 3}]),
    )
    .problem(409, "no_rubric");

    app.put_json("/v1/rubric", &team.manager, rubric()).problem(403, "forbidden");
    let bad = json!({"criteria": [{"key": "discovery", "name": "D", "min": 5, "max": 1}]});
    let body = app.put_json("/v1/rubric", &team.admin, bad).problem(422, "invalid_field");
    assert_eq!(body["field"], "criteria[0].max");
    app.put_json("/v1/rubric", &team.admin, json!({"criteria": []})).problem(422, "invalid_field");
    let first = app.put_json("/v1/rubric", &team.admin, rubric());
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.json()["version"], 1);
    assert_eq!(first.json()["criteria"][0]["max"], 5, "the scale defaults to 1..5");

    let scores = format!("{}/scores", slot_path(&team.rep_id, "went_well"));
    let body = app
        .put_json(&scores, &team.rep, json!([{"criterion": "discovery", "value": 6}]))
        .problem(422, "invalid_field");
    assert!(body["detail"].as_str().unwrap().contains("1..5"), "{body}");
    app.put_json(&scores, &team.rep, json!([{"criterion": "closing", "value": 3}]))
        .problem(422, "invalid_field");
    app.put_json(
        &scores,
        &team.rep,
        json!([{"criterion": "discovery", "value": 3}, {"criterion": "discovery", "value": 4}]),
    )
    .problem(422, "invalid_field");
    assert_eq!(
        app.put_json(&scores, &team.rep, json!([{"criterion": "discovery", "value": 4}])).status,
        200
    );
    // Managers score shared calls only.
    app.put_json(&scores, &team.manager, json!([{"criterion": "discovery", "value": 4}]))
        .problem(409, "illegal_transition");

    let mut second = rubric();
    second["criteria"]
        .as_array_mut()
        .unwrap()
        .push(json!({"key": "objections", "name": "Handling objections"}));
    assert_eq!(app.put_json("/v1/rubric", &team.admin, second).json()["version"], 2);
    assert_eq!(app.get("/v1/rubric", &team.rep).json()["criteria"].as_array().unwrap().len(), 3);
    let week = app.get(&format!("/v1/reps/{}/weeks/{WEEK}", team.rep_id), &team.rep).json();
    assert_eq!(
        week["went_well"]["scores"][0]["rubric_version"], 1,
        "old scores keep their version"
    );
    assert_eq!(week["went_well"]["scores"][0]["scorer"], "self");
}

#[test]
fn the_team_board_shows_each_reps_slots_and_what_is_overdue() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let director_id = app.create_user(&team.admin, "director@acme.example", "manager", None);
    let director = app.issue_token(&team.admin, &director_id);
    app.patch(
        &format!("/v1/users/{}", team.manager_id),
        &team.admin,
        json!({"manager_id": director_id}),
    );
    let quiet_id =
        app.create_user(&team.admin, "quiet@acme.example", "rep", Some(&team.manager_id));
    let call = app.ready_call(&team.rep, &team.rep_id, MP3.0, MP3.1);
    // A week long past: its Friday deadline is over.
    let past = "2026-W40";
    app.put_json(
        &format!("/v1/reps/{}/weeks/{past}/nominations/went_well", team.rep_id),
        &team.rep,
        json!({"call_id": call}),
    );

    let board = app.get(&format!("/v1/teams/{}/weeks/{past}", team.manager_id), &team.manager);
    assert_eq!(board.status, 200, "{}", board.text);
    let board = board.json();
    let rows = board["reps"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let rep = rows.iter().find(|r| r["rep"]["id"] == json!(team.rep_id)).unwrap();
    let quiet = rows.iter().find(|r| r["rep"]["id"] == json!(quiet_id)).unwrap();
    assert_eq!(rep["went_well"]["state"], "nominated");
    assert_eq!(rep["struggled"], Value::Null);
    assert_eq!(rep["nomination_overdue"], true, "one slot still empty after the deadline");
    assert_eq!(quiet["nomination_overdue"], true);
    assert_eq!(rep["review_overdue"], false);

    // Direct reports by default; the whole subtree on request.
    assert_eq!(
        app.get(&format!("/v1/teams/{director_id}/weeks/{past}"), &director).json()["reps"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(app.get(&format!("/v1/teams/{director_id}/weeks/{past}?depth=all"), &director).json()["reps"].as_array().unwrap().len(), 2);
    app.get(&format!("/v1/teams/{}/weeks/{past}", team.manager_id), &team.rep)
        .problem(404, "user_not_found");
    app.get(&format!("/v1/teams/{}/weeks/{past}?depth=some", team.manager_id), &team.manager)
        .problem(400, "invalid_query");

    // A week far ahead: nothing is overdue yet.
    let future =
        app.get(&format!("/v1/teams/{}/weeks/2030-W10", team.manager_id), &team.manager).json();
    assert!(future["reps"].as_array().unwrap().iter().all(|r| r["nomination_overdue"] == false));
}

#[test]
fn organisation_settings_have_defaults_and_only_admins_change_them() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let organisation = app.get("/v1/organisation", &team.rep).json();
    assert_eq!(
        organisation["settings"],
        json!({
            "nomination_deadline": "friday",
            "manager_review_days": 3,
            "clip_budget_minutes": 20,
            "min_action_items": 3,
            "metric_bands": {
                "talk_ratio": {"min": 0.4, "max": 0.65},
                "longest_monologue_ms": null,
                "longest_story_ms": null,
                "patience_ms": null,
                "interactivity_per_minute": null,
                "rep_questions": null,
                "rep_words_per_minute": null
            }
        })
    );
    assert_eq!(organisation["timezone"], "Europe/Berlin");
    app.patch("/v1/organisation", &team.manager, json!({"manager_review_days": 2}))
        .problem(403, "forbidden");
    app.patch("/v1/organisation", &team.admin, json!({"manager_review_days": 0}))
        .problem(422, "invalid_field");
    app.patch("/v1/organisation", &team.admin, json!({"nomination_deadline": "someday"}))
        .problem(422, "invalid_field");
    let changed =
        app.patch("/v1/organisation", &team.admin, json!({"nomination_deadline": "thursday"}));
    assert_eq!(changed.status, 200, "{}", changed.text);
    let settings = changed.json()["settings"].clone();
    assert_eq!(
        (&settings["nomination_deadline"], &settings["manager_review_days"]),
        (&json!("thursday"), &json!(3)),
        "only the deadline changed: {settings}"
    );
    assert_eq!(settings["metric_bands"], organisation["settings"]["metric_bands"]);
    let week = app.get(&format!("/v1/reps/{}/weeks/{WEEK}", team.rep_id), &team.rep).json();
    assert!(
        week["nomination_deadline"].as_str().unwrap().starts_with("2026-11-26T23:00:00"),
        "{week}"
    );
}

#[test]
fn progress_averages_scores_at_the_top_of_a_huge_scale_without_overflowing() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    // Scales span at most 100 levels, but may sit anywhere in the i32 range.
    let scale = json!({"criteria": [
        {"key": "grit", "name": "Grit", "min": i32::MAX - 100, "max": i32::MAX}
    ]});
    let published = app.put_json("/v1/rubric", &team.admin, scale);
    assert_eq!(published.status, 200, "{}", published.text);
    for slot in ["went_well", "struggled"] {
        let call = app.ready_call(&team.rep, &team.rep_id, MP3.0, MP3.1);
        let nominated =
            app.put_json(&slot_path(&team.rep_id, slot), &team.rep, json!({"call_id": call}));
        assert_eq!(nominated.status, 200, "{}", nominated.text);
        let scored = app.put_json(
            &format!("{}/scores", slot_path(&team.rep_id, slot)),
            &team.rep,
            json!([{"criterion": "grit", "value": i32::MAX}]),
        );
        assert_eq!(scored.status, 200, "{}", scored.text);
    }
    let progress =
        app.get(&format!("/v1/reps/{}/progress?from={WEEK}&to={WEEK}", team.rep_id), &team.rep);
    assert_eq!(progress.status, 200, "{}", progress.text);
    let body = progress.json();
    let grit = &body["weeks"][0]["criteria"][0];
    assert_eq!(grit["self"], f64::from(i32::MAX), "{body}");
}
