//! Transcripts over HTTP: WebVTT, SRT and JSON in, checked against the call;
//! JSON segments out; comments listed with the line spoken at their time.
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

use filmroom_tests::{Team, TestApp, fixture};
use reqwest::Method;
use serde_json::json;

#[test]
fn transcripts_come_in_three_formats_and_go_out_as_segments() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = app.create_call(&team.rep, &team.rep_id);
    app.put_transcript(&team.rep, &call, "text/vtt", "WEBVTT\n").problem(409, "not_ready_yet");
    assert_eq!(
        app.upload(&team.rep, &call, fixture("speech-16k-mono.mp3"), "audio/mpeg").status,
        200
    );
    app.wait_until_settled(&team.rep, &call);

    let vtt = "WEBVTT\n\n00:00.000 --> 00:01.200\n<v Rex>Thanks for taking my call.\n\n00:01.200 --> 00:03.000\n<v Pat>Sure, go ahead.\n";
    let stored = app.put_transcript(&team.rep, &call, "text/vtt; charset=utf-8", vtt);
    assert_eq!(stored.status, 200, "{}", stored.text);
    let got = app.get(&format!("/v1/calls/{call}/transcript"), &team.manager).json();
    assert_eq!(
        got["items"][0],
        json!({"start_ms": 0, "end_ms": 1200, "speaker": "Rex", "text": "Thanks for taking my call."})
    );
    assert_eq!(got["items"][1]["speaker"], "Pat");

    let srt = "1\n00:00:00,000 --> 00:00:02,000\nHello\n\n2\n00:00:02,000 --> 00:00:03,000\nBye\n";
    assert_eq!(app.put_transcript(&team.rep, &call, "application/x-subrip", srt).status, 200);
    assert_eq!(
        app.get(&format!("/v1/calls/{call}/transcript"), &team.rep).json()["items"][1]["text"],
        "Bye"
    );

    let segments =
        json!([{"start_ms": 500, "end_ms": 2500, "speaker": "Rex", "text": "Only this"}])
            .to_string();
    assert_eq!(app.put_transcript(&team.rep, &call, "application/json", &segments).status, 200);
    assert_eq!(
        app.get(&format!("/v1/calls/{call}/transcript"), &team.rep).json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // What GET returns can be sent back as it is.
    let round_trip = app.get(&format!("/v1/calls/{call}/transcript"), &team.rep).text;
    let again = app.put_transcript(&team.rep, &call, "application/json", &round_trip);
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json()["items"][0]["text"], "Only this");
    // `?format=` names the format for clients that cannot set the media type;
    // without it, the media type decides.
    let as_file = |query: &str| {
        TestApp::send(
            app.request(
                Method::PUT,
                &format!("/v1/calls/{call}/transcript{query}"),
                Some(&team.rep),
            )
            .header("content-type", "text/vtt")
            .body(srt.to_owned()),
        )
    };
    assert_eq!(as_file("").status, 422, "SRT read as WebVTT is refused");
    let named = as_file("?format=srt");
    assert_eq!(named.status, 200, "{}", named.text);
    assert_eq!(named.json()["items"][1]["text"], "Bye");
    as_file("?format=docx").problem(400, "invalid_query");
    app.put_transcript(&team.rep, &call, "application/json", &segments);

    // Comments can be listed with the line spoken at their time.
    app.post(
        &format!("/v1/calls/{call}/comments"),
        &team.manager,
        json!({"at_ms": 1000, "body": "Here", "kind": "note"}),
    );
    let plain = app.get(&format!("/v1/calls/{call}/comments"), &team.manager).json();
    assert!(plain["items"][0].get("transcript").is_none());
    let with =
        app.get(&format!("/v1/calls/{call}/comments?with_transcript=true"), &team.manager).json();
    assert_eq!(with["items"][0]["transcript"]["text"], "Only this");
}

#[test]
fn bad_transcripts_are_refused_and_the_old_one_kept() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = app.create_call(&team.rep, &team.rep_id);
    assert_eq!(
        app.upload(&team.rep, &call, fixture("speech-16k-mono.mp3"), "audio/mpeg").status,
        200
    );
    app.wait_until_settled(&team.rep, &call);
    assert_eq!(
        app.put_transcript(
            &team.rep,
            &call,
            "application/json",
            r#"[{"start_ms": 0, "end_ms": 100, "text": "kept"}]"#
        )
        .status,
        200
    );

    let body = app
        .put_transcript(
            &team.rep,
            &call,
            "application/x-subrip",
            "1\n00:00:01,000 --> 00:00:09,000\nToo long\n",
        )
        .problem(400, "offset_out_of_range");
    assert!(body["detail"].as_str().unwrap().contains("3000"), "names the duration: {body}");
    app.put_transcript(&team.rep, &call, "text/vtt", "00:00.000 --> 00:01.000\nno header\n")
        .problem(422, "invalid_field");
    app.put_transcript(
        &team.rep,
        &call,
        "text/vtt",
        "WEBVTT\n\n00:00.000 --> 00:0x.000\nbad time\n",
    )
    .problem(422, "invalid_field");
    app.put_transcript(&team.rep, &call, "application/json", r#"{"segments": []}"#)
        .problem(422, "invalid_field");
    app.put_transcript(&team.rep, &call, "text/plain", "hello")
        .problem(415, "unsupported_media_type");
    assert_eq!(
        app.get(&format!("/v1/calls/{call}/transcript"), &team.rep).json()["items"][0]["text"],
        "kept"
    );

    let globex = Team::create(&app, "Globex");
    app.get(&format!("/v1/calls/{call}/transcript"), &globex.admin).problem(404, "call_not_found");
    app.put_transcript(&globex.admin, &call, "text/vtt", "WEBVTT\n").problem(404, "call_not_found");
}

#[test]
fn cue_times_that_would_overflow_are_refused_not_a_crash() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = app.ready_call(&team.rep, &team.rep_id, "speech-8k-mono-s16.wav", "audio/wav");
    for (content_type, body) in [
        ("text/vtt", "WEBVTT\n\n9999999999999:00:00.000 --> 9999999999999:00:01.000\nHi\n"),
        ("application/x-subrip", "1\n9999999999999:00:00,000 --> 9999999999999:00:01,000\nHi\n"),
    ] {
        app.put_transcript(&team.rep, &call, content_type, body).problem(422, "invalid_field");
    }
    assert_eq!(app.get("/healthz", &team.rep).status, 200);
}
