//! Calls as people use them: who sees which, metadata, playback with Range,
//! deletion.
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

use filmroom_tests::{Team, TestApp, files_containing, fixture};
use reqwest::Method;
use serde_json::json;

#[test]
fn playback_serves_the_original_bytes_with_ranges() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = app.ready_call(&team.rep, &team.rep_id, "speech-16k-mono.mp3", "audio/mpeg");
    let original = fixture("speech-16k-mono.mp3");
    let size = original.len();

    let whole = TestApp::send(app.request(
        Method::GET,
        &format!("/v1/calls/{call}/audio"),
        Some(&team.manager),
    ));
    assert_eq!(whole.status, 200);
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));
    assert_eq!(whole.header("content-type"), Some("audio/mpeg"));
    let bytes = TestApp::send(app.request(
        Method::GET,
        &format!("/v1/calls/{call}/audio"),
        Some(&team.rep),
    ));
    assert_eq!(bytes.header("content-length"), Some(size.to_string().as_str()));

    let response = app
        .request(Method::GET, &format!("/v1/calls/{call}/audio"), Some(&team.rep))
        .header("range", "bytes=100-1099")
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 206);
    assert_eq!(
        response.headers().get("content-range").unwrap().to_str().unwrap(),
        format!("bytes 100-1099/{size}")
    );
    assert_eq!(response.bytes().unwrap().as_ref(), &original[100..1100]);

    let suffix = app
        .request(Method::GET, &format!("/v1/calls/{call}/audio"), Some(&team.rep))
        .header("range", "bytes=-500")
        .send()
        .unwrap();
    assert_eq!(suffix.status().as_u16(), 206);
    assert_eq!(suffix.bytes().unwrap().as_ref(), &original[size - 500..]);

    let open = app
        .request(Method::GET, &format!("/v1/calls/{call}/audio"), Some(&team.rep))
        .header("range", format!("bytes={}-", size - 10))
        .send()
        .unwrap();
    assert_eq!(open.status().as_u16(), 206);
    assert_eq!(open.bytes().unwrap().as_ref(), &original[size - 10..]);

    let beyond = app.audio_range(&team.rep, &call, &format!("bytes={}-", size + 10));
    beyond.problem(416, "range_not_satisfiable");
    assert_eq!(beyond.header("content-range"), Some(format!("bytes */{size}").as_str()));

    // A malformed Range is ignored: the whole recording comes back.
    assert_eq!(app.audio_range(&team.rep, &call, "pages=1-2").status, 200);
    let full = app
        .request(Method::GET, &format!("/v1/calls/{call}/audio"), Some(&team.rep))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    assert_eq!(full.as_ref(), original.as_slice(), "the original bytes, as they came");
}

#[test]
fn a_call_without_audio_has_nothing_to_play() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = app.create_call(&team.rep, &team.rep_id);
    app.get(&format!("/v1/calls/{call}/audio"), &team.rep).problem(409, "not_ready_yet");
    app.get(&format!("/v1/calls/{call}/peaks"), &team.rep).problem(409, "not_ready_yet");
}

#[test]
fn calls_are_visible_to_the_rep_their_chain_and_admins_only() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let other = Team::create(&app, "Globex");
    let peer_id = app.create_user(&team.admin, "peer@acme.example", "rep", Some(&team.manager_id));
    let peer = app.issue_token(&team.admin, &peer_id);
    let call = app.create_call(&team.rep, &team.rep_id);

    for (who, token) in [("rep", &team.rep), ("manager", &team.manager), ("admin", &team.admin)] {
        assert_eq!(app.get(&format!("/v1/calls/{call}"), token).status, 200, "{who}");
    }
    app.get(&format!("/v1/calls/{call}"), &peer).problem(404, "call_not_found");
    app.get(&format!("/v1/calls/{call}"), &other.admin).problem(404, "call_not_found");
    app.upload(&peer, &call, fixture("speech-8k-mono-s16.wav"), "audio/wav")
        .problem(404, "call_not_found");
    app.delete(&format!("/v1/calls/{call}"), &other.admin).problem(404, "call_not_found");

    let count = |token: &str, query: &str| {
        app.get(&format!("/v1/calls{query}"), token).json()["items"].as_array().unwrap().len()
    };
    assert_eq!(count(&team.rep, ""), 1);
    assert_eq!(count(&team.manager, ""), 1);
    assert_eq!(count(&peer, ""), 0);
    assert_eq!(count(&peer, &format!("?rep_id={}", team.rep_id)), 0);
    assert_eq!(count(&other.admin, ""), 0);

    // Creating for someone else: a manager for their rep yes, a peer no.
    let reply = app.post("/v1/calls", &team.manager, json!({"rep_id": team.rep_id}));
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json()["created_by"], json!(team.manager_id));
    let body =
        app.post("/v1/calls", &peer, json!({"rep_id": team.rep_id})).problem(422, "invalid_field");
    assert_eq!(body["field"], "rep_id");
    app.post("/v1/calls", &other.admin, json!({"rep_id": team.rep_id}))
        .problem(422, "invalid_field");
}

#[test]
fn calls_list_by_rep_time_and_status_and_change_their_details() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let early = app
        .post(
            "/v1/calls",
            &team.rep,
            json!({"rep_id": team.rep_id, "occurred_at": "2026-11-16T09:00:00Z"}),
        )
        .json();
    let late = app
        .post("/v1/calls", &team.rep, json!({"rep_id": team.rep_id, "occurred_at": "2026-11-23T09:00:00Z",
                                            "title": "Pricing pushback", "external_ref": "dialer-42"}))
        .json();
    assert_eq!(early["title"], "Call on 2026-11-16 09:00 UTC");
    let ids = |query: &str| -> Vec<String> {
        let page = app.get(&format!("/v1/calls{query}"), &team.manager);
        assert_eq!(page.status, 200, "{query}: {}", page.text);
        page.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids("?from=2026-11-20T00:00:00Z"), vec![late["id"].as_str().unwrap()]);
    assert_eq!(ids("?to=2026-11-20T00:00:00Z"), vec![early["id"].as_str().unwrap()]);
    assert_eq!(ids("?status=uploading").len(), 2);
    assert_eq!(ids("?status=ready").len(), 0);
    assert_eq!(ids("?limit=1").len(), 1);
    app.get("/v1/calls?from=2026-11-30T00:00:00Z&to=2026-11-01T00:00:00Z", &team.rep)
        .problem(422, "invalid_field");
    app.get("/v1/calls?from=yesterday", &team.rep).problem(400, "invalid_query");
    app.get("/v1/calls?status=lost", &team.rep).problem(400, "invalid_query");

    let same = app.post(
        "/v1/calls",
        &team.rep,
        json!({"rep_id": team.rep_id, "external_ref": "dialer-42"}),
    );
    assert_eq!(same.status, 200, "{}", same.text);
    assert_eq!(same.json()["id"], late["id"]);

    let id = late["id"].as_str().unwrap();
    let changed = app.patch(
        &format!("/v1/calls/{id}"),
        &team.rep,
        json!({"title": "Pricing pushback (Initech)", "direction": "inbound", "counterpart": {"company": "Initech"}}),
    );
    assert_eq!(changed.status, 200, "{}", changed.text);
    let changed = changed.json();
    assert_eq!(changed["title"], "Pricing pushback (Initech)");
    assert_eq!(changed["direction"], "inbound");
    assert_eq!(changed["counterpart"]["company"], "Initech");
    assert_eq!(changed["occurred_at"], "2026-11-23T09:00:00Z");
    app.patch(&format!("/v1/calls/{id}"), &team.rep, json!({"status": "ready"}))
        .problem(422, "unknown_field");
    app.patch(&format!("/v1/calls/{id}"), &team.rep, json!({"direction": "sideways"}))
        .problem(422, "invalid_field");
}

#[test]
fn deleting_a_call_removes_its_objects() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = app.ready_call(&team.rep, &team.rep_id, "speech-8k-mono-s16.wav", "audio/wav");
    if let Some(objects) = app.local_objects() {
        assert_eq!(
            files_containing(&objects, &call).len(),
            3,
            "the original, its peaks and its speech segments"
        );
    }
    app.delete(&format!("/v1/calls/{call}"), &team.manager).problem(403, "forbidden");
    assert_eq!(app.delete(&format!("/v1/calls/{call}"), &team.rep).status, 204);
    app.get(&format!("/v1/calls/{call}"), &team.rep).problem(404, "call_not_found");
    app.get(&format!("/v1/calls/{call}/audio"), &team.rep).problem(404, "call_not_found");
    if let Some(objects) = app.local_objects() {
        assert!(files_containing(&objects, &call).is_empty(), "objects of a deleted call remain");
    }
}

#[test]
fn an_external_ref_never_crosses_reps_and_never_names_the_other_call() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let peer_id = app.create_user(&team.admin, "peer@acme.example", "rep", Some(&team.manager_id));
    let peer = app.issue_token(&team.admin, &peer_id);
    let create = |token: &str, rep: &str| {
        app.post("/v1/calls", token, json!({"rep_id": rep, "external_ref": "CRM-7"}))
    };
    let first = create(&team.rep, &team.rep_id);
    assert_eq!(first.status, 201, "{}", first.text);
    let id = first.json()["id"].as_str().unwrap().to_owned();
    // The same rep sending it again gets the same call back.
    let again = create(&team.rep, &team.rep_id);
    assert_eq!((again.status, again.json()["id"].as_str()), (200, Some(id.as_str())));
    // Another rep, or a manager for another rep, is refused without learning the call.
    for (token, rep) in [(&peer, &peer_id), (&team.manager, &peer_id)] {
        let refused = create(token, rep);
        let body = refused.problem(409, "external_ref_taken");
        assert_eq!(body["field"], "external_ref");
        assert!(!refused.text.contains(&id), "the other call is named: {}", refused.text);
    }
    // A manager sending the rep's own ref again gets the rep's call.
    let by_manager = create(&team.manager, &team.rep_id);
    assert_eq!((by_manager.status, by_manager.json()["id"].as_str()), (200, Some(id.as_str())));
}

#[test]
fn audio_is_served_as_its_sniffed_type_never_as_what_the_uploader_claimed() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = app.create_call(&team.rep, &team.rep_id);
    let uploaded =
        app.upload(&team.rep, &call, fixture("speech-16k-mono.mp3"), "audio/x, text/html");
    assert_eq!(uploaded.status, 200, "{}", uploaded.text);
    assert_eq!(app.wait_until_settled(&team.rep, &call)["status"], "ready");
    let audio = app.get(&format!("/v1/calls/{call}/audio"), &team.manager);
    assert_eq!(audio.status, 200);
    assert_eq!(audio.header("content-type"), Some("audio/mpeg"));
    assert_eq!(audio.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        audio.header("content-disposition"),
        Some(format!("inline; filename=\"call-{call}.mp3\"").as_str())
    );
    // Every other response carries nosniff too, errors included.
    for reply in [
        app.get(&format!("/v1/calls/{call}"), &team.rep),
        app.get("/v1/calls/not-an-id", &team.rep),
        TestApp::send(app.request(Method::GET, "/healthz", None)),
    ] {
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{}", reply.text);
    }
}

#[test]
fn a_call_in_review_keeps_its_coaching_record_and_only_an_admin_removes_its_audio() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let week = "2026-W48";
    let call = app.ready_call(&team.rep, &team.rep_id, "speech-8k-mono-s16.wav", "audio/wav");
    // A draft the rep alone commented on can go entirely.
    let draft = app.ready_call(&team.rep, &team.rep_id, "speech-8k-mono-s16.wav", "audio/wav");
    app.comment(&team.rep, &draft, 10, "note");
    assert_eq!(app.delete(&format!("/v1/calls/{draft}"), &team.rep).status, 204);
    // Once the manager has commented, the rep can no longer delete it.
    let slot = format!("/v1/reps/{}/weeks/{week}/nominations/struggled", team.rep_id);
    assert_eq!(app.put_json(&slot, &team.rep, json!({"call_id": call})).status, 200);
    app.comment(&team.rep, &call, 10, "improve");
    for state in ["self_reviewed", "shared"] {
        assert_eq!(app.move_review(&team.rep, &team.rep_id, week, "struggled", state).status, 200);
    }
    app.delete(&format!("/v1/calls/{call}"), &team.rep).problem(409, "call_in_review");
    let manager_comment = app.comment(&team.manager, &call, 20, "went_well");
    let series = app.post(
        "/v1/one-on-one-series",
        &team.manager,
        json!({"rep_id": team.rep_id, "weekday": "tuesday", "time": "09:30", "duration_minutes": 45}),
    );
    assert_eq!(series.status, 201, "{}", series.text);
    let listed = app.get(&format!("/v1/one-on-ones?rep={}", team.rep_id), &team.manager).json();
    let one_on_one = listed["items"][0]["id"].as_str().unwrap().to_owned();
    let clipped = app.post(
        &format!("/v1/one-on-ones/{one_on_one}/clips"),
        &team.manager,
        json!({"call_id": call, "start_ms": 0, "end_ms": 1500}),
    );
    assert_eq!(clipped.status, 201, "{}", clipped.text);
    app.delete(&format!("/v1/calls/{call}"), &team.rep).problem(409, "call_in_review");
    // An admin removes the recording; the call and what was said about it stay.
    assert_eq!(app.delete(&format!("/v1/calls/{call}"), &team.admin).status, 204);
    let kept = app.get(&format!("/v1/calls/{call}"), &team.rep).json();
    assert_eq!(kept["status"], "audio_deleted", "{kept}");
    app.get(&format!("/v1/calls/{call}/audio"), &team.rep).problem(409, "not_ready_yet");
    let comments = app.get(&format!("/v1/calls/{call}/comments"), &team.manager).json();
    let ids: Vec<&str> =
        comments["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&manager_comment["id"].as_str().unwrap()), "{comments}");
    let week_view = app.get(&format!("/v1/reps/{}/weeks/{week}", team.rep_id), &team.rep).json();
    assert_eq!(week_view["struggled"]["state"], "shared", "{week_view}");
    if let Some(objects) = app.local_objects() {
        assert!(files_containing(&objects, &call).is_empty(), "the recording's objects remain");
    }
    // The clip stays in the 1:1, and the reel plays what is left to play.
    let meeting = app.get(&format!("/v1/one-on-ones/{one_on_one}"), &team.manager).json();
    assert_eq!(meeting["clips"].as_array().map(Vec::len), Some(1), "{meeting}");
    let reel = app
        .request(Method::GET, &format!("/v1/one-on-ones/{one_on_one}/reel"), Some(&team.manager))
        .send()
        .unwrap();
    assert_eq!(reel.status().as_u16(), 200);
    // Deleting again changes nothing.
    assert_eq!(app.delete(&format!("/v1/calls/{call}"), &team.admin).status, 204);
    // Sending a recording to it says, in words, why it takes none.
    let upload = app.upload(&team.rep, &call, fixture("speech-16k-mono.mp3"), "audio/mpeg");
    let refusal = upload.problem(409, "audio_already_stored");
    let detail = refusal["detail"].as_str().unwrap();
    assert!(detail.contains("removed this call's recording"), "{detail}");
    assert!(!detail.contains("audio_deleted"), "a state name, not words: {detail}");
}
