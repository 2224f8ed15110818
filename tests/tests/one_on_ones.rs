//! The weekly 1:1 over HTTP: cadence, the clip segment and its budget,
//! action items and holding the meeting, follow-through, the focus skill.
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

fn series(app: &TestApp, team: &Team) -> Value {
    let reply = app.post(
        "/v1/one-on-one-series",
        &team.manager,
        json!({"rep_id": team.rep_id, "weekday": "tuesday", "time": "09:30", "duration_minutes": 45,
               "agenda": ["Last week's action items", "Pipeline"]}),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()
}

fn first_occurrence(app: &TestApp, team: &Team) -> Value {
    let list = app.get(&format!("/v1/one-on-ones?rep={}", team.rep_id), &team.manager).json();
    list["items"][0].clone()
}

#[test]
fn a_series_keeps_the_same_slot_every_week_and_occurrences_can_move_or_be_cancelled() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let created = series(&app, &team);
    assert_eq!(created["timezone"], "Europe/Berlin");
    assert_eq!(created["agenda"][1], "Pipeline");
    app.post("/v1/one-on-one-series", &team.manager, json!({"rep_id": team.rep_id, "weekday": "monday", "time": "10:00", "duration_minutes": 30}))
        .problem(409, "series_exists");
    app.post("/v1/one-on-one-series", &team.rep, json!({"manager_id": team.manager_id, "rep_id": team.rep_id, "weekday": "monday", "time": "10:00", "duration_minutes": 30}))
        .problem(403, "forbidden");
    let body = app.post("/v1/one-on-one-series", &team.admin, json!({"rep_id": team.rep_id, "weekday": "monday", "time": "25:00", "duration_minutes": 30}))
        .problem(422, "invalid_field");
    assert_eq!(body["field"], "rep_id", "the admin is not the rep's manager: {body}");

    let list = app.get(&format!("/v1/one-on-ones?rep={}", team.rep_id), &team.rep).json();
    let items = list["items"].as_array().unwrap();
    assert!(items.len() >= 8, "weeks are scheduled ahead: {}", items.len());
    for pair in items.windows(2) {
        let a = pair[0]["scheduled_at"].as_str().unwrap();
        let b = pair[1]["scheduled_at"].as_str().unwrap();
        assert!(a < b);
    }
    // Every occurrence is on a Tuesday at 09:30 in Berlin, whatever the season.
    for item in items {
        let at = chrono::DateTime::parse_from_rfc3339(item["scheduled_at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono_tz::Europe::Berlin);
        assert_eq!(at.format("%A %H:%M").to_string(), "Tuesday 09:30", "{item}");
    }
    let first = &items[0];
    let id = first["id"].as_str().unwrap();
    // A 1:1 moves within its week; another week has its own occurrence.
    let next_day = chrono::DateTime::parse_from_rfc3339(first["scheduled_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc)
        + chrono::Duration::days(1);
    let next_day = next_day.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let moved = app.patch(
        &format!("/v1/one-on-ones/{id}"),
        &team.rep,
        json!({"scheduled_at": next_day, "notes": "Moved for the offsite"}),
    );
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.json()["scheduled_at"], next_day);
    let body = app
        .patch(
            &format!("/v1/one-on-ones/{id}"),
            &team.rep,
            json!({"scheduled_at": "2030-01-01T12:00:00Z"}),
        )
        .problem(422, "invalid_field");
    assert_eq!(body["field"], "scheduled_at");
    assert_eq!(moved.json()["agenda"][0], "Last week's action items");
    let cancelled = app.patch(
        &format!("/v1/one-on-ones/{}", items[1]["id"].as_str().unwrap()),
        &team.manager,
        json!({"status": "cancelled"}),
    );
    assert_eq!(cancelled.json()["status"], "cancelled");
    let agenda = app.patch(
        &format!("/v1/one-on-one-series/{}", created["id"].as_str().unwrap()),
        &team.rep,
        json!({"agenda": ["Only this"]}),
    );
    assert_eq!(agenda.json()["agenda"], json!(["Only this"]));

    // The manager moves the weekly slot: the 1:1s to come follow, the
    // cancelled one stays as it was; the rep cannot move it.
    let series_path = format!("/v1/one-on-one-series/{}", created["id"].as_str().unwrap());
    app.patch(&series_path, &team.rep, json!({"weekday": "thursday"})).problem(403, "forbidden");
    app.patch(&series_path, &team.manager, json!({"time": "25:00"})).problem(422, "invalid_field");
    app.patch(&series_path, &team.manager, json!({})).problem(422, "invalid_field");
    let moved_slot = app.patch(
        &series_path,
        &team.manager,
        json!({"weekday": "thursday", "time": "14:00", "duration_minutes": 30}),
    );
    assert_eq!(moved_slot.status, 200, "{}", moved_slot.text);
    let after = app.get(&format!("/v1/one-on-ones?rep={}", team.rep_id), &team.manager).json();
    let after = after["items"].as_array().unwrap();
    let now = chrono::Utc::now();
    for item in after {
        let at =
            chrono::DateTime::parse_from_rfc3339(item["scheduled_at"].as_str().unwrap()).unwrap();
        if item["id"] == items[1]["id"] {
            assert_eq!(item["status"], "cancelled");
            assert_eq!(
                item["scheduled_at"], items[1]["scheduled_at"],
                "a cancelled 1:1 keeps its time"
            );
        } else if at.with_timezone(&chrono::Utc) > now {
            let local = at.with_timezone(&chrono_tz::Europe::Berlin);
            assert_eq!(local.format("%A %H:%M").to_string(), "Thursday 14:00", "{item}");
            assert_eq!(item["duration_minutes"], 30);
        }
    }

    let peer_id = app.create_user(&team.admin, "peer@acme.example", "rep", Some(&team.manager_id));
    let peer = app.issue_token(&team.admin, &peer_id);
    app.get(&format!("/v1/one-on-ones/{id}"), &peer).problem(404, "one_on_one_not_found");
    assert_eq!(app.get("/v1/one-on-ones", &peer).json()["items"].as_array().unwrap().len(), 0);
}

#[test]
fn the_coaching_segment_holds_clips_within_the_budget() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    app.patch("/v1/organisation", &team.admin, json!({"clip_budget_minutes": 1}));
    series(&app, &team);
    let meeting = first_occurrence(&app, &team);
    let id = meeting["id"].as_str().unwrap();
    let call = app.ready_call(&team.rep, &team.rep_id, "tones-16k-mono.mp3", "audio/mpeg");
    let clips = format!("/v1/one-on-ones/{id}/clips");

    // A manager's point comment at 2 s: 15 s either side, clamped to the 5 s call.
    let comment = app
        .post(
            &format!("/v1/calls/{call}/comments"),
            &team.manager,
            json!({"at_ms": 2000, "body": "Listen", "kind": "improve"}),
        )
        .json();
    let added =
        app.post(&clips, &team.manager, json!({"comment_id": comment["id"], "note": "The pause"}));
    assert_eq!(added.status, 201, "{}", added.text);
    let added = added.json();
    assert_eq!(
        (added["clips"][0]["start_ms"].as_i64(), added["clips"][0]["end_ms"].as_i64()),
        (Some(0), Some(5000))
    );
    assert_eq!(added["segment_ms"], 5000);
    assert_eq!(added["budget_ms"], 60_000);
    // The same comment again, by the other person: it is there already, and
    // the segment does not count it twice.
    app.post(&clips, &team.rep, json!({"comment_id": comment["id"]})).problem(409, "clip_exists");
    // A range comment gives its own range.
    let ranged = app
        .post(
            &format!("/v1/calls/{call}/comments"),
            &team.manager,
            json!({"at_ms": 1500, "end_ms": 2000, "body": "Here", "kind": "went_well"}),
        )
        .json();
    // A range comment gives its own range, widened to the 1 s a clip needs.
    let added = app.post(&clips, &team.rep, json!({"comment_id": ranged["id"]})).json();
    assert_eq!(added["clips"][1]["start_ms"], 1250);
    assert_eq!(added["clips"][1]["end_ms"], 2250);
    // The rep's own comments count only once shared.
    let private = app
        .post(
            &format!("/v1/calls/{call}/comments"),
            &team.rep,
            json!({"at_ms": 100, "body": "Mine", "kind": "note"}),
        )
        .json();
    app.post(&clips, &team.rep, json!({"comment_id": private["id"]})).problem(422, "invalid_field");

    for _ in 0..10 {
        let reply = app.post(
            &clips,
            &team.manager,
            json!({"call_id": call, "start_ms": 0, "end_ms": 5000}),
        );
        if reply.status != 201 {
            let body = reply.problem(422, "clip_budget_exceeded");
            assert!(body["detail"].as_str().unwrap().contains("left"), "{body}");
            break;
        }
    }
    let state = app.get(&format!("/v1/one-on-ones/{id}"), &team.manager).json();
    assert!(state["segment_ms"].as_i64().unwrap() <= 60_000);
    assert_eq!(state["segment_ms"], 5000 + 1000 + 5000 * 10, "{state}");
    // Clips shorter than a second are refused when sent as offsets.
    let body = app
        .post(&clips, &team.manager, json!({"call_id": call, "start_ms": 0, "end_ms": 999}))
        .problem(422, "invalid_field");
    assert_eq!(body["field"], "end_ms");

    app.post(&clips, &team.manager, json!({"call_id": call, "start_ms": 0, "end_ms": 9000}))
        .problem(400, "offset_out_of_range");
    app.post(&clips, &team.manager, json!({"call_id": call})).problem(422, "invalid_field");
    let peer_id = app.create_user(&team.admin, "peer@acme.example", "rep", Some(&team.manager_id));
    let peer = app.issue_token(&team.admin, &peer_id);
    let peers_call = app.ready_call(&peer, &peer_id, "tones-8k-mono.wav", "audio/wav");
    let body = app
        .post(&clips, &team.manager, json!({"call_id": peers_call, "start_ms": 0, "end_ms": 100}))
        .problem(422, "invalid_field");
    assert_eq!(body["field"], "call_id");

    // Reorder: the last clip first.
    let all = state["clips"].as_array().unwrap();
    let last = all.last().unwrap()["id"].as_str().unwrap();
    let moved =
        app.patch(&format!("/v1/clips/{last}"), &team.manager, json!({"position": 0})).json();
    assert_eq!(moved["clips"][0]["id"], last);
    let positions: Vec<i64> = moved["clips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, (0..positions.len() as i64).collect::<Vec<_>>());
    assert_eq!(app.delete(&format!("/v1/clips/{last}"), &team.manager).status, 204);
    assert_eq!(
        app.get(&format!("/v1/one-on-ones/{id}"), &team.manager).json()["clips"]
            .as_array()
            .unwrap()
            .len(),
        all.len() - 1
    );
    app.patch(&format!("/v1/clips/{last}"), &team.manager, json!({"position": 0}))
        .problem(404, "clip_not_found");

    // In and out points move within the call and within the budget.
    let clip_of = |comment: &Value| -> String {
        let state = app.get(&format!("/v1/one-on-ones/{id}"), &team.manager).json();
        let clips = state["clips"].as_array().unwrap().clone();
        let found = clips.iter().find(|c| c["comment_id"] == comment["id"]).unwrap();
        found["id"].as_str().unwrap().to_owned()
    };
    let retime = |clip: &str, start: i64, end: i64| {
        app.patch(
            &format!("/v1/clips/{clip}"),
            &team.manager,
            json!({"start_ms": start, "end_ms": end}),
        )
    };
    let (point, range) = (clip_of(&comment), clip_of(&ranged));
    let widened = retime(&range, 0, 5000);
    assert_eq!(widened.status, 200, "{}", widened.text);
    assert_eq!(widened.json()["segment_ms"], 55_000);
    let filled =
        app.post(&clips, &team.manager, json!({"call_id": call, "start_ms": 0, "end_ms": 5000}));
    assert_eq!(filled.json()["segment_ms"], 60_000, "exactly the budget is allowed");
    assert_eq!(retime(&point, 1000, 4000).json()["segment_ms"], 58_000);
    assert_eq!(
        app.post(&clips, &team.manager, json!({"call_id": call, "start_ms": 0, "end_ms": 2000}))
            .json()["segment_ms"],
        60_000
    );
    let over = retime(&point, 0, 5000).problem(422, "clip_budget_exceeded");
    assert!(over["detail"].as_str().unwrap().contains("left"), "{over}");
    retime(&point, 0, 9000).problem(400, "offset_out_of_range");
    retime(&point, 3000, 2500).problem(422, "invalid_field");
    app.patch(&format!("/v1/clips/{point}"), &team.manager, json!({"start_ms": 0}))
        .problem(422, "invalid_field");
    let shorter = retime(&point, 1500, 4000);
    assert_eq!(shorter.json()["segment_ms"], 59_500, "{}", shorter.text);
}

#[test]
fn a_one_on_one_is_held_only_with_its_action_items_and_discusses_its_clipped_calls() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    series(&app, &team);
    let meetings = app.get(&format!("/v1/one-on-ones?rep={}", team.rep_id), &team.manager).json();
    let id = meetings["items"][0]["id"].as_str().unwrap().to_owned();
    let next = meetings["items"][1]["id"].as_str().unwrap().to_owned();
    let call = app.ready_call(&team.rep, &team.rep_id, "tones-16k-mono.mp3", "audio/mpeg");
    let week = "2026-W48";
    app.put_json(
        &format!("/v1/reps/{}/weeks/{week}/nominations/struggled", team.rep_id),
        &team.rep,
        json!({"call_id": call}),
    );
    app.post(
        &format!("/v1/calls/{call}/comments"),
        &team.rep,
        json!({"at_ms": 10, "body": "Mine", "kind": "improve"}),
    );
    for state in ["self_reviewed", "shared"] {
        app.post(
            &format!("/v1/reps/{}/weeks/{week}/nominations/struggled/state", team.rep_id),
            &team.rep,
            json!({"state": state}),
        );
    }
    // Only a nomination the manager has reviewed is discussed when the 1:1 is held.
    app.comment(&team.manager, &call, 20, "went_well");
    let reviewed =
        app.move_review(&team.manager, &team.rep_id, week, "struggled", "manager_reviewed");
    assert_eq!(reviewed.status, 200, "{}", reviewed.text);
    app.post(
        &format!("/v1/one-on-ones/{id}/clips"),
        &team.manager,
        json!({"call_id": call, "start_ms": 1000, "end_ms": 2500}),
    );

    let state = format!("/v1/one-on-ones/{id}/state");
    let body = app
        .post(&state, &team.manager, json!({"state": "held"}))
        .problem(422, "action_items_incomplete");
    assert!(body["detail"].as_str().unwrap().contains("3 more action items"), "{body}");
    let items = format!("/v1/one-on-ones/{id}/action-items");
    let due = "2026-12-01";
    let first = app.post(&items, &team.manager, json!({"text": "Shadow Ana's discovery calls", "owner_id": team.rep_id, "due_date": due})).json();
    app.post(
        &items,
        &team.manager,
        json!({"text": "Send the pricing one-pager", "owner_id": team.manager_id, "due_date": due}),
    );
    let vague = app.post(&items, &team.rep, json!({"text": "Think about objections"})).json();
    app.post(&items, &team.rep, json!({"text": "x", "owner_id": team.admin_id}))
        .problem(422, "invalid_field");
    let body = app
        .post(&state, &team.manager, json!({"state": "held"}))
        .problem(422, "action_items_incomplete");
    assert!(body["detail"].as_str().unwrap().contains("needs an owner and a due date"), "{body}");
    app.patch(
        &format!("/v1/action-items/{}", vague["id"].as_str().unwrap()),
        &team.rep,
        json!({"owner_id": team.rep_id, "due_date": due}),
    );

    let held = app.post(&state, &team.manager, json!({"state": "held"}));
    assert_eq!(held.status, 200, "{}", held.text);
    assert_eq!(held.json()["status"], "held");
    app.post(&state, &team.manager, json!({"state": "held"})).problem(409, "one_on_one_held");
    app.post(
        &format!("/v1/one-on-ones/{id}/clips"),
        &team.manager,
        json!({"call_id": call, "start_ms": 0, "end_ms": 100}),
    )
    .problem(409, "one_on_one_held");
    let week_view = app.get(&format!("/v1/reps/{}/weeks/{week}", team.rep_id), &team.rep).json();
    assert_eq!(week_view["struggled"]["state"], "discussed");
    let events = app.get("/v1/events", &team.admin).json();
    assert!(
        events["items"].as_array().unwrap().iter().any(|e| e["kind"] == "one_on_one.held"),
        "{events}"
    );

    // The next 1:1 starts with what is still open.
    app.patch(
        &format!("/v1/action-items/{}", first["id"].as_str().unwrap()),
        &team.rep,
        json!({"done": true}),
    );
    let upcoming = app.get(&format!("/v1/one-on-ones/{next}"), &team.rep).json();
    let carried: Vec<&str> = upcoming["carried_over"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["text"].as_str().unwrap())
        .collect();
    assert_eq!(carried.len(), 2, "{carried:?}");
    assert!(!carried.contains(&"Shadow Ana's discovery calls"));
}

#[test]
fn follow_through_counts_items_done_by_their_due_date() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    series(&app, &team);
    let id = first_occurrence(&app, &team)["id"].as_str().unwrap().to_owned();
    let items = format!("/v1/one-on-ones/{id}/action-items");
    let past = app
        .post(
            &items,
            &team.manager,
            json!({"text": "Overdue", "owner_id": team.rep_id, "due_date": "2026-01-10"}),
        )
        .json();
    let done_late = app
        .post(
            &items,
            &team.manager,
            json!({"text": "Done late", "owner_id": team.rep_id, "due_date": "2026-01-11"}),
        )
        .json();
    app.post(
        &items,
        &team.manager,
        json!({"text": "Future", "owner_id": team.rep_id, "due_date": "2099-01-01"}),
    );
    let on_time = app
        .post(
            &items,
            &team.manager,
            json!({"text": "On time", "owner_id": team.rep_id, "due_date": "2099-01-02"}),
        )
        .json();
    app.patch(
        &format!("/v1/action-items/{}", done_late["id"].as_str().unwrap()),
        &team.rep,
        json!({"done": true}),
    );
    app.patch(
        &format!("/v1/action-items/{}", on_time["id"].as_str().unwrap()),
        &team.rep,
        json!({"done": true}),
    );
    let _ = past;

    let report = app.get(
        &format!("/v1/users/{}/follow-through?from=2026-01-01&to=2099-12-31", team.rep_id),
        &team.manager,
    );
    assert_eq!(report.status, 200, "{}", report.text);
    let report = report.json();
    assert_eq!(
        (
            report["due"].as_u64(),
            report["done_on_time"].as_u64(),
            report["done_late"].as_u64(),
            report["overdue"].as_u64()
        ),
        (Some(3), Some(1), Some(1), Some(1)),
        "{report}"
    );
    assert!((report["rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    let manager =
        app.get(&format!("/v1/users/{}/follow-through", team.manager_id), &team.manager).json();
    assert_eq!(manager["rate"], Value::Null, "nothing due yet: {manager}");
    app.get(&format!("/v1/users/{}/follow-through", team.manager_id), &team.rep)
        .problem(404, "user_not_found");
    app.get(
        &format!("/v1/users/{}/follow-through?from=2026-02-01&to=2026-01-01", team.rep_id),
        &team.rep,
    )
    .problem(422, "invalid_field");
}

#[test]
fn one_focus_skill_at_a_time_tracked_in_the_scores_and_shown_on_shared_calls() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let focus = format!("/v1/reps/{}/focus", team.rep_id);
    let new = json!({"criterion": "discovery", "diagnosis": "Self 4, manager 2 on discovery for three weeks",
                     "prescription": {"kind": "shadow", "text": "Shadow two of Ana's discovery calls"}, "target_score": 4});
    app.post(&focus, &team.manager, new.clone()).problem(409, "no_rubric");
    app.put_json(
        "/v1/rubric",
        &team.admin,
        json!({"criteria": [{"key": "discovery", "name": "Discovery"}]}),
    );
    app.post(&focus, &team.rep, new.clone()).problem(403, "forbidden");
    app.post(&focus, &team.manager, json!({"criterion": "closing", "diagnosis": "x", "prescription": {"kind": "script", "text": "y"}})).problem(422, "invalid_field");
    app.post(&focus, &team.manager, json!({"criterion": "discovery", "diagnosis": "x", "prescription": {"kind": "script", "text": "y"}, "target_score": 9})).problem(422, "invalid_field");
    let started = app.post(&focus, &team.manager, new.clone());
    assert_eq!(started.status, 201, "{}", started.text);
    let started = started.json();
    assert_eq!(started["status"], "active");
    assert_eq!(started["prescription"]["kind"], "shadow");
    app.post(&focus, &team.manager, new.clone()).problem(409, "focus_active");

    // A call shared while the focus is active shows it.
    let call = app.ready_call(&team.rep, &team.rep_id, "tones-8k-mono.wav", "audio/wav");
    let week = "2026-W48";
    app.put_json(
        &format!("/v1/reps/{}/weeks/{week}/nominations/went_well", team.rep_id),
        &team.rep,
        json!({"call_id": call}),
    );
    app.post(
        &format!("/v1/calls/{call}/comments"),
        &team.rep,
        json!({"at_ms": 10, "body": "Mine", "kind": "went_well"}),
    );
    app.put_json(
        &format!("/v1/reps/{}/weeks/{week}/nominations/went_well/scores", team.rep_id),
        &team.rep,
        json!([{"criterion": "discovery", "value": 4}]),
    );
    for state in ["self_reviewed", "shared"] {
        app.post(
            &format!("/v1/reps/{}/weeks/{week}/nominations/went_well/state", team.rep_id),
            &team.rep,
            json!({"state": state}),
        );
    }
    let view = app.get(&format!("/v1/reps/{}/weeks/{week}", team.rep_id), &team.manager).json();
    assert_eq!(view["went_well"]["focus"]["criterion"], "discovery", "{view}");

    let overview = app.get(&focus, &team.rep).json();
    assert_eq!(overview["active"]["id"], started["id"]);
    assert!(overview["active"]["progress"].is_array());
    let id = started["id"].as_str().unwrap();
    let done = app.patch(&format!("/v1/focus/{id}"), &team.manager, json!({"status": "achieved"}));
    assert_eq!(done.status, 200, "{}", done.text);
    assert!(done.json()["ended_at"].is_string());
    app.patch(&format!("/v1/focus/{id}"), &team.manager, json!({"diagnosis": "again"}))
        .problem(409, "illegal_transition");
    let next = app.post(&focus, &team.manager, json!({"criterion": "discovery", "diagnosis": "Next round", "prescription": {"kind": "role_play", "text": "Practise openers"}}));
    assert_eq!(next.status, 201, "{}", next.text);
    let overview = app.get(&focus, &team.manager).json();
    assert_eq!(overview["history"].as_array().unwrap().len(), 2);
    let globex = Team::create(&app, "Globex");
    app.get(&focus, &globex.admin).problem(404, "user_not_found");
}

#[test]
fn the_reel_plays_the_segment_in_order_at_one_rate() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    series(&app, &team);
    let id = first_occurrence(&app, &team)["id"].as_str().unwrap().to_owned();
    let narrow = app.ready_call(&team.rep, &team.rep_id, "tones-8k-mono.wav", "audio/wav");
    let wide = app.ready_call(&team.rep, &team.rep_id, "tones-16k-mono.mp3", "audio/mpeg");
    let clips = format!("/v1/one-on-ones/{id}/clips");
    app.post(&clips, &team.manager, json!({"call_id": wide, "start_ms": 3300, "end_ms": 4300}));
    let body = app
        .post(&clips, &team.manager, json!({"call_id": narrow, "start_ms": 1300, "end_ms": 2300}))
        .json();
    assert_eq!(body["reel_url"], format!("/v1/one-on-ones/{id}/reel"));

    let response = app
        .request(reqwest::Method::GET, &format!("/v1/one-on-ones/{id}/reel"), Some(&team.rep))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "audio/wav");
    let bytes = response.bytes().unwrap();
    let rate = u32::from_le_bytes([bytes[24], bytes[25], bytes[26], bytes[27]]);
    let channels = u16::from_le_bytes([bytes[22], bytes[23]]);
    assert_eq!((rate, channels), (16_000, 1), "the highest rate among the clips");
    // 1 s + 500 ms of silence + 1 s, all at 16 kHz.
    assert_eq!(bytes.len(), 44 + (16_000 + 8_000 + 16_000) * 2);
    let samples: Vec<f64> =
        bytes[44..].chunks_exact(2).map(|b| f64::from(i16::from_le_bytes([b[0], b[1]]))).collect();
    let energy = |from_ms: usize, to_ms: usize| {
        let s = &samples[from_ms * 16..to_ms * 16];
        s.iter().map(|x| x * x).sum::<f64>() / s.len() as f64
    };
    assert!(energy(250, 650) > 1e6, "the 880 Hz tone of the first clip");
    assert!(energy(1_005, 1_495) < 1e2, "half a second of silence");
    assert!(energy(1_750, 2_150) > 1e6, "the 440 Hz tone of the second clip, resampled");

    let globex = Team::create(&app, "Globex");
    app.get(&format!("/v1/one-on-ones/{id}/reel"), &globex.admin)
        .problem(404, "one_on_one_not_found");
}

#[test]
fn only_the_chain_holds_a_one_on_one_and_a_shared_call_is_discussed_only_once_reviewed() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    series(&app, &team);
    let id = first_occurrence(&app, &team)["id"].as_str().unwrap().to_owned();
    let call = app.ready_call(&team.rep, &team.rep_id, "tones-16k-mono.mp3", "audio/mpeg");
    let week = "2026-W48";
    let slot = format!("/v1/reps/{}/weeks/{week}/nominations/struggled", team.rep_id);
    assert_eq!(app.put_json(&slot, &team.rep, json!({"call_id": call})).status, 200);
    app.comment(&team.rep, &call, 10, "improve");
    for state in ["self_reviewed", "shared"] {
        assert_eq!(app.move_review(&team.rep, &team.rep_id, week, "struggled", state).status, 200);
    }
    let clip = app.post(
        &format!("/v1/one-on-ones/{id}/clips"),
        &team.rep,
        json!({"call_id": call, "start_ms": 1000, "end_ms": 2500}),
    );
    assert_eq!(clip.status, 201, "{}", clip.text);
    for text in ["One", "Two", "Three"] {
        let item = app.post(
            &format!("/v1/one-on-ones/{id}/action-items"),
            &team.rep,
            json!({"text": text, "owner_id": team.rep_id, "due_date": "2026-12-01"}),
        );
        assert_eq!(item.status, 201, "{}", item.text);
    }
    let state = format!("/v1/one-on-ones/{id}/state");
    // The rep cannot declare their own coaching done.
    app.post(&state, &team.rep, json!({"state": "held"})).problem(403, "forbidden");
    // The manager holds it; the call was shared but never reviewed, so it stays shared.
    let held = app.post(&state, &team.manager, json!({"state": "held"}));
    assert_eq!(held.status, 200, "{}", held.text);
    let week_view = app.get(&format!("/v1/reps/{}/weeks/{week}", team.rep_id), &team.rep).json();
    assert_eq!(week_view["struggled"]["state"], "shared");
}

#[test]
fn a_manager_the_rep_has_left_no_longer_sees_or_changes_their_one_on_ones() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    series(&app, &team);
    let id = first_occurrence(&app, &team)["id"].as_str().unwrap().to_owned();
    let call = app.ready_call(&team.rep, &team.rep_id, "tones-16k-mono.mp3", "audio/mpeg");
    assert_eq!(app.get(&format!("/v1/one-on-ones/{id}"), &team.manager).status, 200);
    let new_manager = app.create_user(&team.admin, "new-manager@acme.example", "manager", None);
    let moved = app.patch(
        &format!("/v1/users/{}", team.rep_id),
        &team.admin,
        json!({"manager_id": new_manager}),
    );
    assert_eq!(moved.status, 200, "{}", moved.text);
    app.get(&format!("/v1/one-on-ones/{id}"), &team.manager).problem(404, "one_on_one_not_found");
    app.post(
        &format!("/v1/one-on-ones/{id}/clips"),
        &team.manager,
        json!({"call_id": call, "start_ms": 0, "end_ms": 1500}),
    )
    .problem(404, "one_on_one_not_found");
    let listed = app.get(&format!("/v1/one-on-ones?rep={}", team.rep_id), &team.manager).json();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0), "{listed}");
    // The rep still has their history.
    assert_eq!(app.get(&format!("/v1/one-on-ones/{id}"), &team.rep).status, 200);
}

#[test]
fn a_follow_through_window_at_the_edge_of_the_calendar_is_a_422_not_a_crash() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let path = format!("/v1/users/{}/follow-through", team.rep_id);
    let refused = TestApp::send(
        app.request(reqwest::Method::GET, &path, Some(&team.manager))
            .query(&[("to", "-262143-01-01")]),
    );
    assert_eq!(refused.problem(422, "invalid_field")["field"], "to");
    let fine = app.get(&path, &team.manager);
    assert_eq!(fine.status, 200, "{}", fine.text);
}

#[test]
fn clips_added_at_once_never_cross_the_budget() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    series(&app, &team);
    let id = first_occurrence(&app, &team)["id"].as_str().unwrap().to_owned();
    let call = app.ready_call(&team.rep, &team.rep_id, "tones-16k-mono.mp3", "audio/mpeg");
    app.patch("/v1/organisation", &team.admin, json!({"clip_budget_minutes": 1}));
    // 30 clips of 2.5 s sent at once; a minute holds exactly 24 of them.
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let requests: Vec<_> = (0..30)
            .map(|_| {
                scope.spawn(|| {
                    app.post(
                        &format!("/v1/one-on-ones/{id}/clips"),
                        &team.manager,
                        json!({"call_id": call, "start_ms": 0, "end_ms": 2500}),
                    )
                    .status
                })
            })
            .collect();
        requests.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 24, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 422).count(), 6, "{statuses:?}");
    let view = app.get(&format!("/v1/one-on-ones/{id}"), &team.manager).json();
    assert_eq!(view["segment_ms"], 60_000, "{view}");
}

#[test]
fn only_one_of_several_focus_skills_started_at_once_becomes_active() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let rubric = json!({"criteria": [{"key": "discovery", "name": "Discovery"}]});
    assert_eq!(app.put_json("/v1/rubric", &team.admin, rubric).status, 200);
    let focus = format!("/v1/reps/{}/focus", team.rep_id);
    let new = json!({"criterion": "discovery", "diagnosis": "Few questions",
                     "prescription": {"kind": "role_play", "text": "Role-play discovery"}});
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let requests: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| app.post(&focus, &team.manager, new.clone()).status))
            .collect();
        requests.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 7, "{statuses:?}");
}

#[test]
fn a_comment_the_caller_cannot_see_answers_as_one_that_does_not_exist() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    series(&app, &team);
    let meeting = first_occurrence(&app, &team);
    let clips = format!("/v1/one-on-ones/{}/clips", meeting["id"].as_str().unwrap());
    // Another rep of the same manager, with a private comment on their call.
    let other = app.create_user(&team.admin, "other@acme.example", "rep", Some(&team.manager_id));
    let other_token = app.issue_token(&team.admin, &other);
    let call = app.ready_call(&other_token, &other, "tones-16k-mono.mp3", "audio/mpeg");
    let private = app.comment(&other_token, &call, 1000, "improve");
    let private_id = private["id"].as_str().unwrap();
    let missing_id = uuid::Uuid::now_v7().to_string();

    for caller in [&team.rep, &team.manager] {
        let hidden = app.post(&clips, caller, json!({"comment_id": private_id}));
        let body = hidden.problem(422, "invalid_field");
        assert!(!hidden.text.contains(&call), "the refusal names the hidden call: {}", hidden.text);
        let missing = app.post(&clips, caller, json!({"comment_id": missing_id})).json();
        assert_eq!(body["field"], missing["field"]);
        assert_eq!(
            body["detail"].as_str().unwrap().replace(private_id, "ID"),
            missing["detail"].as_str().unwrap().replace(&missing_id, "ID"),
            "a hidden comment reads differently from a missing one"
        );
    }
}

/// Two people saving notes from what they read: with `If-Match`, the second
/// is told what the first saved instead of replacing it; without it, the
/// last save wins as before.
#[test]
fn notes_saved_over_a_newer_version_are_refused_with_theirs() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    series(&app, &team);
    let id = first_occurrence(&app, &team)["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/one-on-ones/{id}");
    let read = app.get(&path, &team.rep);
    let tag = read.header("etag").expect("a 1:1 has an ETag").to_owned();
    assert_eq!(tag, format!("\"{}\"", read.json()["version"]), "the ETag is the version");

    let patch = |token: &str, if_match: Option<&str>, notes: &str| {
        let mut request = app.request(reqwest::Method::PATCH, &path, Some(token));
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        TestApp::send(request.json(&json!({ "notes": notes })))
    };
    let manager = patch(&team.manager, Some(&tag), "Manager: talk about discovery");
    assert_eq!(manager.status, 200, "{}", manager.text);
    let newer = manager.header("etag").unwrap().to_owned();
    assert_ne!(newer, tag, "a save moves the version");

    // The rep's page still holds the version it read.
    let refused = patch(&team.rep, Some(&tag), "Rep: my list").problem(409, "edit_conflict");
    assert_eq!(refused["field"], "If-Match");
    assert_eq!(refused["conflict"]["theirs"], "Manager: talk about discovery");
    assert_eq!(refused["conflict"]["changed_by"], "manager");
    assert_eq!(format!("\"{}\"", refused["conflict"]["version"].as_str().unwrap()), newer);
    assert_eq!(app.get(&path, &team.rep).json()["notes"], "Manager: talk about discovery");

    // Keeping theirs out on purpose: the version the conflict named.
    let kept = patch(&team.rep, Some(&newer), "Rep: my list");
    assert_eq!(kept.status, 200, "{}", kept.text);
    // Without If-Match (or with `*`) the last save wins, as dialers expect.
    assert_eq!(patch(&team.manager, None, "Last one").status, 200);
    assert_eq!(patch(&team.manager, Some("*"), "Any version").status, 200);
    let bad = patch(&team.manager, Some("not-an-etag"), "x").problem(422, "invalid_field");
    assert_eq!(bad["field"], "If-Match");
    assert_eq!(app.get(&path, &team.rep).json()["notes"], "Any version");
}

/// The standing agenda, edited by both people from their own pages: a save
/// from the older page is refused with theirs, and moving the slot in
/// between moves the version too.
#[test]
fn an_agenda_saved_over_a_newer_one_is_refused_with_theirs() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let created = series(&app, &team);
    let path = format!("/v1/one-on-one-series/{}", created["id"].as_str().unwrap());
    let seen = created["version"].as_i64().expect("a series has a version");
    let patch = |token: &str, if_match: Option<i64>, body: serde_json::Value| {
        let mut request = app.request(reqwest::Method::PATCH, &path, Some(token));
        if let Some(version) = if_match {
            request = request.header("If-Match", format!("\"{version}\""));
        }
        TestApp::send(request.json(&body))
    };
    let manager = patch(&team.manager, Some(seen), json!({"agenda": ["Pipeline", "Pricing"]}));
    assert_eq!(manager.status, 200, "{}", manager.text);
    assert_eq!(manager.header("etag"), Some(format!("\"{}\"", seen + 1).as_str()));
    let refused =
        patch(&team.rep, Some(seen), json!({"agenda": ["My list"]})).problem(409, "edit_conflict");
    assert_eq!(refused["conflict"]["theirs"], "Pipeline\nPricing");
    assert_eq!(refused["conflict"]["changed_by"], "manager");
    // A move checks the version too, and moves it.
    patch(&team.manager, Some(seen), json!({"time": "11:00"})).problem(409, "edit_conflict");
    let moved = patch(&team.manager, Some(seen + 1), json!({"time": "11:00"}));
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.json()["version"], seen + 2);
    assert_eq!(moved.json()["agenda"], json!(["Pipeline", "Pricing"]), "a move keeps the agenda");
    assert_eq!(patch(&team.rep, None, json!({"agenda": ["Last one"]})).status, 200);
}

/// An action item's text edited by both people: the older copy's save is
/// refused with theirs, and marking it done without If-Match still works.
#[test]
fn an_action_item_saved_over_a_newer_one_is_refused_with_theirs() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    series(&app, &team);
    let id = first_occurrence(&app, &team)["id"].as_str().unwrap().to_owned();
    let created = app.post(
        &format!("/v1/one-on-ones/{id}/action-items"),
        &team.manager,
        json!({"text": "Ask for the budget owner", "owner_id": team.rep_id, "due_date": "2030-01-15"}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let item = created.json();
    let seen = item["version"].as_i64().expect("an action item has a version");
    assert_eq!(created.header("etag"), Some(format!("\"{seen}\"").as_str()));
    let path = format!("/v1/action-items/{}", item["id"].as_str().unwrap());
    let patch = |token: &str, if_match: Option<i64>, body: serde_json::Value| {
        let mut request = app.request(reqwest::Method::PATCH, &path, Some(token));
        if let Some(version) = if_match {
            request = request.header("If-Match", format!("\"{version}\""));
        }
        TestApp::send(request.json(&body))
    };
    let rep = patch(&team.rep, Some(seen), json!({"text": "Ask for the budget owner by name"}));
    assert_eq!(rep.status, 200, "{}", rep.text);
    let refused = patch(&team.manager, Some(seen), json!({"text": "Ask twice"}))
        .problem(409, "edit_conflict");
    assert_eq!(refused["conflict"]["theirs"], "Ask for the budget owner by name");
    assert_eq!(refused["conflict"]["changed_by"], "rep");
    let done = patch(&team.manager, None, json!({"done": true}));
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.json()["text"], "Ask for the budget owner by name", "done keeps the text");
    assert_eq!(done.json()["version"], seen + 2);
}

/// A clip's note and range edited by both people: a save from an older copy
/// is refused with theirs; moving the clip does not count as a change.
#[test]
fn a_clip_saved_over_a_newer_one_is_refused_with_theirs() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    series(&app, &team);
    let id = first_occurrence(&app, &team)["id"].as_str().unwrap().to_owned();
    let call = app.ready_call(&team.rep, &team.rep_id, "tones-16k-mono.mp3", "audio/mpeg");
    let clips = format!("/v1/one-on-ones/{id}/clips");
    let range = |start: i64| json!({"call_id": call, "start_ms": start, "end_ms": start + 1500});
    app.post(&clips, &team.manager, range(0));
    let added = app.post(&clips, &team.manager, range(2000)).json();
    let clip = &added["clips"][0];
    assert_eq!(clip["version"], 1, "{added}");
    let path = format!("/v1/clips/{}", clip["id"].as_str().unwrap());
    let patch = |token: &str, if_match: Option<i64>, body: Value| {
        let mut request = app.request(reqwest::Method::PATCH, &path, Some(token));
        if let Some(version) = if_match {
            request = request.header("If-Match", format!("\"{version}\""));
        }
        TestApp::send(request.json(&body))
    };

    let rep = patch(&team.rep, Some(1), json!({"note": "Where I lost them"}));
    assert_eq!(rep.status, 200, "{}", rep.text);
    assert_eq!(rep.header("etag"), Some("\"2\""));
    assert_eq!(rep.json()["clips"][0]["note"], "Where I lost them");
    let refused = patch(&team.manager, Some(1), json!({"note": "Listen for the pause"}))
        .problem(409, "edit_conflict");
    assert_eq!(refused["conflict"]["theirs"], "Where I lost them");
    assert_eq!(refused["conflict"]["changed_by"], "rep");
    assert_eq!(refused["conflict"]["version"], "2");
    // Refused whole: the place did not change either.
    patch(&team.manager, Some(1), json!({"note": "x", "position": 1}))
        .problem(409, "edit_conflict");
    let stored = app.get(&format!("/v1/one-on-ones/{id}"), &team.manager).json();
    assert_eq!(stored["clips"][0]["id"], clip["id"], "{stored}");

    // Moving it is not a change to the clip: version 2 still holds.
    let moved = patch(&team.manager, Some(2), json!({"position": 1}));
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.header("etag"), Some("\"2\""));
    assert_eq!(moved.json()["clips"][1]["id"], clip["id"]);
    // A new range is: the note stays, and the rep's copy of version 2 is old.
    let retimed = patch(&team.manager, Some(2), json!({"start_ms": 500, "end_ms": 2000}));
    assert_eq!(retimed.status, 200, "{}", retimed.text);
    assert_eq!(retimed.header("etag"), Some("\"3\""));
    let mine = &retimed.json()["clips"][1];
    assert_eq!(
        (mine["start_ms"].as_i64(), mine["note"].as_str()),
        (Some(500), Some("Where I lost them"))
    );
    let refused =
        patch(&team.rep, Some(2), json!({"note": "Mine again"})).problem(409, "edit_conflict");
    assert_eq!(refused["conflict"]["changed_by"], "manager");
    // Range and note in one change over the version read: both land, in
    // one write.
    let both = patch(
        &team.rep,
        Some(3),
        json!({"start_ms": 1000, "end_ms": 2500, "note": "Both at once"}),
    );
    assert_eq!(both.status, 200, "{}", both.text);
    assert_eq!(both.header("etag"), Some("\"4\""), "one change, one version");
    // Without If-Match the last save wins, as dialers expect.
    let last = patch(&team.manager, None, json!({"note": ""}));
    assert_eq!(last.status, 200, "{}", last.text);
    assert!(last.json()["clips"][1]["note"].is_null());
    patch(&team.manager, None, json!({"note": "x".repeat(2001)})).problem(422, "invalid_field");
    // A change refused in any part is refused whole: the range is not
    // stored when the note or the place is wrong.
    let long = json!({"start_ms": 0, "end_ms": 1500, "note": "x".repeat(2001)});
    patch(&team.manager, None, long).problem(422, "invalid_field");
    let far = json!({"start_ms": 0, "end_ms": 1500, "position": 9});
    patch(&team.manager, None, far).problem(422, "invalid_field");
    let stored = app.get(&format!("/v1/one-on-ones/{id}"), &team.manager).json();
    let clip = &stored["clips"][1];
    assert_eq!(
        (clip["start_ms"].as_i64(), clip["version"].as_i64()),
        (Some(1000), Some(5)),
        "{stored}"
    );
}

/// Two managers over one rep's focus skill: the older copy's save is
/// refused with theirs, and ending it without If-Match keeps their words.
#[test]
fn a_focus_saved_over_a_newer_one_is_refused_with_theirs() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    app.put_json(
        "/v1/rubric",
        &team.admin,
        json!({"criteria": [{"key": "discovery", "name": "Discovery"}]}),
    );
    let started = app.post(
        &format!("/v1/reps/{}/focus", team.rep_id),
        &team.manager,
        json!({"criterion": "discovery", "diagnosis": "Few questions",
               "prescription": {"kind": "shadow", "text": "Shadow Ana"}}),
    );
    assert_eq!(started.status, 201, "{}", started.text);
    assert_eq!(started.header("etag"), Some("\"1\""));
    assert_eq!(started.json()["version"], 1);
    let path = format!("/v1/focus/{}", started.json()["id"].as_str().unwrap());
    let patch = |token: &str, if_match: Option<&str>, body: Value| {
        let mut request = app.request(reqwest::Method::PATCH, &path, Some(token));
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        TestApp::send(request.json(&body))
    };
    let admin =
        patch(&team.admin, Some("\"1\""), json!({"diagnosis": "Asks, but not about budget"}));
    assert_eq!(admin.status, 200, "{}", admin.text);
    assert_eq!(admin.header("etag"), Some("\"2\""));
    let refused = patch(
        &team.manager,
        Some("\"1\""),
        json!({"prescription": {"kind": "role_play", "text": "Practise"}}),
    )
    .problem(409, "edit_conflict");
    let theirs = refused["conflict"]["theirs"].as_str().unwrap();
    assert!(theirs.contains("Asks, but not about budget"), "{refused}");
    assert_eq!(refused["conflict"]["changed_by"], "First Admin");
    let overview = app.get(&format!("/v1/reps/{}/focus", team.rep_id), &team.manager).json();
    assert_eq!(overview["active"]["prescription"]["kind"], "shadow", "the refused save left it");
    let done = patch(&team.manager, None, json!({"status": "achieved"}));
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.json()["diagnosis"], "Asks, but not about budget");
    assert_eq!(done.json()["version"], 3);
    patch(&team.manager, Some("W/\"3"), json!({"diagnosis": "x"})).problem(422, "invalid_field");
}
