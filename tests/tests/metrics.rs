//! Speech segments and conversation metrics, from the one decoding pass.
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

use filmroom_tests::{Team, TestApp, files_containing, filmroom, fixture};
use serde_json::{Value, json};

const RATE: usize = 8000;

/// The samples of a 16-bit mono WAV fixture.
fn samples(name: &str) -> Vec<i16> {
    let bytes = fixture(name);
    let data = bytes.windows(4).position(|w| w == b"data").expect("a data chunk") + 8;
    bytes[data..].chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect()
}

/// A two-channel 8 kHz WAV: each `(channel, start_s)` places the spoken
/// fixture on that channel at that second; the rest is silence.
fn dialogue(turns: &[(usize, f64)], seconds: f64) -> Vec<u8> {
    let voice = samples("speech-8k-mono-s16.wav");
    let frames = (seconds * RATE as f64) as usize;
    let mut pcm = vec![0i16; frames * 2];
    for (channel, start) in turns {
        let first = (start * RATE as f64) as usize;
        for (i, sample) in voice.iter().enumerate() {
            if let Some(slot) = pcm.get_mut((first + i) * 2 + channel) {
                *slot = *sample;
            }
        }
    }
    let data_len = (pcm.len() * 2) as u32;
    let mut wav = Vec::with_capacity(44 + pcm.len() * 2);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&(RATE as u32).to_le_bytes());
    wav.extend_from_slice(&((RATE * 4) as u32).to_le_bytes());
    wav.extend_from_slice(&4u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for sample in pcm {
        wav.extend_from_slice(&sample.to_le_bytes());
    }
    wav
}

fn ready(app: &TestApp, token: &str, rep: &str, wav: Vec<u8>) -> String {
    let call = app.create_call(token, rep);
    assert_eq!(app.upload(token, &call, wav, "audio/wav").status, 200);
    assert_eq!(app.wait_until_settled(token, &call)["status"], "ready");
    call
}

fn speech_ms(speech: &Value, channel: usize) -> u64 {
    speech["channels"][channel]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[1].as_u64().unwrap() - s[0].as_u64().unwrap())
        .sum()
}

#[test]
fn a_two_party_call_gets_speech_lanes_and_metrics_that_follow_the_rep_channel() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    // Channel 1 speaks at 0 s and 6 s, channel 2 at 3 s; silence from about 8 s to 16 s.
    let call =
        ready(&app, &team.rep, &team.rep_id, dialogue(&[(0, 0.0), (1, 3.0), (0, 6.0)], 16.0));

    let speech = app.get(&format!("/v1/calls/{call}/speech"), &team.rep);
    assert_eq!(speech.status, 200, "{}", speech.text);
    let speech = speech.json();
    assert_eq!(speech["frame_ms"], 16);
    assert_eq!(speech["labels"], json!(["A", "B"]), "no rep channel yet: A and B");
    let (first, second) = (speech_ms(&speech, 0), speech_ms(&speech, 1));
    assert!(first > 0 && second > 0, "speech found on both channels: {speech}");
    let spoken = samples("speech-8k-mono-s16.wav").len() as u64 * 1000 / RATE as u64;
    // The detector trims the fixture's own leading and trailing silence.
    assert!(second <= spoken + 200 && second >= spoken / 3, "{second} ms of {spoken} ms spoken");
    assert!(first.abs_diff(2 * second) < 600, "channel 1 spoke twice as long: {first} vs {second}");

    // Where the voice really is, by the README's definitions: loud 10 ms
    // frames, joined across pauses under 300 ms, stretches under 200 ms dropped.
    let voice = samples("speech-8k-mono-s16.wav");
    let loudness: Vec<f64> = voice
        .chunks(RATE / 100)
        .map(|c| (c.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / c.len() as f64).sqrt())
        .collect();
    let loudest = loudness.iter().copied().fold(0.0, f64::max);
    let mut voiced: Vec<[i64; 2]> = Vec::new();
    for (i, level) in loudness.iter().enumerate() {
        let (start, end) = (i as i64 * 10, i as i64 * 10 + 10);
        if *level <= loudest * 0.02 {
            continue;
        }
        match voiced.last_mut() {
            Some(last) if start - last[1] < 300 => last[1] = end,
            _ => voiced.push([start, end]),
        }
    }
    voiced.retain(|[s, e]| e - s >= 200);
    let (voice_start_ms, voice_end_ms) = (voiced[0][0], voiced[voiced.len() - 1][1]);

    let before = app.get(&format!("/v1/calls/{call}/metrics"), &team.rep).json();
    assert_eq!(before["talk_ratio"], Value::Null);
    assert_eq!(before["labels"], json!(["A", "B"]));
    assert!(before["dead_air"].as_array().unwrap().iter().any(|s| s["end_ms"] == 16_000));

    let patched = app.patch(&format!("/v1/calls/{call}"), &team.rep, json!({"rep_channel": 1}));
    assert_eq!(patched.status, 200, "{}", patched.text);
    let rep_first = app.get(&format!("/v1/calls/{call}/metrics"), &team.manager).json();
    assert_eq!(rep_first["labels"], json!(["rep", "customer"]));
    let ratio = rep_first["talk_ratio"].as_f64().unwrap();
    assert!((ratio - first as f64 / (first + second) as f64).abs() < 1e-6);
    // The rep said the same words twice, the customer once: two thirds.
    assert!((ratio - 2.0 / 3.0).abs() <= 0.03, "talk ratio {ratio}, truth 0.667 ± 0.03");
    assert_eq!(rep_first["talk_ratio_in_band"], json!(false), "above the 40–65 % band");
    assert_eq!(rep_first["bands"][0]["metric"], "talk_ratio");
    assert_eq!(rep_first["bands"][0]["inside"], false);
    // The customer stops at 3 s + the voice's end; the rep starts at 6 s + its start.
    let patience_truth = 3_000 + voice_start_ms - voice_end_ms;
    let patience = rep_first["patience_ms"].as_i64().expect("the rep answered the customer");
    assert!(
        (patience - patience_truth).abs() <= 150,
        "patience {patience} ms, truth {patience_truth} ± 150 ms"
    );
    assert_eq!(rep_first["interactivity_per_minute"].as_f64().map(|v| v > 0.0), Some(true));

    // Swapping the rep's channel swaps the metrics, with no new analysis.
    app.patch(&format!("/v1/calls/{call}"), &team.rep, json!({"rep_channel": 2}));
    let rep_second = app.get(&format!("/v1/calls/{call}/metrics"), &team.rep).json();
    assert_eq!(rep_second["labels"], json!(["customer", "rep"]));
    let swapped = rep_second["talk_ratio"].as_f64().unwrap();
    assert!((swapped - (1.0 - ratio)).abs() < 1e-6, "{swapped} after {ratio}");

    app.patch(&format!("/v1/calls/{call}"), &team.rep, json!({"rep_channel": 3}))
        .problem(422, "invalid_field");

    // The call list filters on the talk ratio as it is now.
    let listed = |query: &str| -> Vec<String> {
        let page = app.get(&format!("/v1/calls?{query}"), &team.manager);
        assert_eq!(page.status, 200, "{query}: {}", page.text);
        page.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(listed("talk_ratio_max=0.5"), vec![call.clone()]);
    assert!(listed("talk_ratio_min=0.5").is_empty());
    app.patch(&format!("/v1/calls/{call}"), &team.rep, json!({"rep_channel": 1}));
    assert_eq!(listed("talk_ratio_min=0.5&talk_ratio_max=0.9"), vec![call.clone()]);
    assert!(listed("talk_ratio_max=0.5").is_empty());
    app.get("/v1/calls?talk_ratio_min=1.5", &team.manager).problem(422, "invalid_field");
    app.get("/v1/calls?talk_ratio_min=0.7&talk_ratio_max=0.2", &team.manager)
        .problem(422, "invalid_field");

    // A transcript adds the pace and the rep's questions; each line belongs to
    // the channel that spoke during it.
    let vtt = "WEBVTT\n\n00:00.000 --> 00:02.000\nHi there, is now a good time? Great.\n\n\
               00:03.000 --> 00:05.000\nSure, what is this about?\n\n\
               00:06.000 --> 00:08.000\nWhat matters most to you?? Who else decides?\n";
    assert_eq!(app.put_transcript(&team.rep, &call, "text/vtt", vtt).status, 200);
    let with_words = app.get(&format!("/v1/calls/{call}/metrics"), &team.rep).json();
    assert_eq!(with_words["rep_questions"], 3, "{with_words}");
    let pace = with_words["words_per_minute"].as_array().unwrap();
    assert_eq!(pace.len(), 2);

    // Bands are the organisation's: an admin sets one, every metric with a
    // band is judged, and a bad band is refused with the field named.
    let settings = app.patch(
        "/v1/organisation",
        &team.admin,
        json!({"metric_bands": {"talk_ratio": {"min": 0.5, "max": 0.7}, "rep_questions": {"min": 4}}}),
    );
    assert_eq!(settings.status, 200, "{}", settings.text);
    assert_eq!(settings.json()["settings"]["metric_bands"]["rep_questions"]["min"], 4.0);
    let judged = app.get(&format!("/v1/calls/{call}/metrics"), &team.rep).json();
    assert_eq!(judged["talk_ratio_in_band"], true);
    let questions = judged["bands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["metric"] == "rep_questions")
        .unwrap();
    assert_eq!(
        (questions["value"].as_f64(), questions["inside"].as_bool()),
        (Some(3.0), Some(false))
    );
    let refused = app
        .patch(
            "/v1/organisation",
            &team.admin,
            json!({"metric_bands": {"talk_ratio": {"min": 0.8, "max": 0.2}}}),
        )
        .problem(422, "invalid_field");
    assert!(refused["detail"].as_str().unwrap().contains("metric_bands.talk_ratio"), "{refused}");
    app.patch("/v1/organisation", &team.admin, json!({"metric_bands": {"smiles": {"min": 1}}}))
        .problem(422, "invalid_field");
    app.patch("/v1/organisation", &team.manager, json!({"metric_bands": {"talk_ratio": null}}))
        .problem(403, "forbidden");
    let removed =
        app.patch("/v1/organisation", &team.admin, json!({"metric_bands": {"talk_ratio": null}}));
    assert_eq!(removed.json()["settings"]["metric_bands"]["talk_ratio"], Value::Null);
    assert_eq!(
        app.get(&format!("/v1/calls/{call}/metrics"), &team.rep).json()["talk_ratio_in_band"],
        Value::Null
    );

    // The rep's week averages what their analysed calls say.
    let progress = app.get(&format!("/v1/reps/{}/progress", team.rep_id), &team.manager);
    assert_eq!(progress.status, 200, "{}", progress.text);
    let weeks = progress.json()["weeks"].as_array().unwrap().clone();
    let week = weeks.last().expect("this week has an analysed call");
    assert_eq!(week["conversation"]["calls"], 1, "{week}");
    let averaged = week["conversation"]["talk_ratio"].as_f64().unwrap();
    assert!((averaged - ratio).abs() < 0.001, "{averaged} vs {ratio}");
    assert_eq!(week["conversation"]["rep_questions"], 3.0);
    // Said at upload, the rep channel is there from the first analysis.
    let told = app.post("/v1/calls", &team.rep, json!({"rep_id": team.rep_id, "rep_channel": 2}));
    assert_eq!(told.status, 201, "{}", told.text);
    let told = told.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.upload(&team.rep, &told, dialogue(&[(0, 0.0), (1, 3.0), (0, 6.0)], 16.0), "audio/wav")
            .status,
        200
    );
    assert_eq!(app.wait_until_settled(&team.rep, &told)["status"], "ready");
    let told_metrics = app.get(&format!("/v1/calls/{told}/metrics"), &team.rep).json();
    assert_eq!(told_metrics["labels"], json!(["customer", "rep"]));
    app.post("/v1/calls", &team.rep, json!({"rep_id": team.rep_id, "rep_channel": 0}))
        .problem(422, "invalid_field");
    // Others see metrics exactly when they can see the call.
    let other = Team::create(&app, "Globex");
    app.get(&format!("/v1/calls/{call}/metrics"), &other.admin).problem(404, "call_not_found");
    app.get(&format!("/v1/calls/{call}/speech"), &other.rep).problem(404, "call_not_found");
}

#[test]
fn a_mono_call_reports_speech_and_silence_only() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = app.ready_call(&team.rep, &team.rep_id, "speech-8k-mono-s16.wav", "audio/wav");
    let metrics = app.get(&format!("/v1/calls/{call}/metrics"), &team.rep);
    assert_eq!(metrics.status, 200, "{}", metrics.text);
    let metrics = metrics.json();
    assert_eq!(metrics["labels"], json!(["speech"]));
    assert!(metrics["speech_ms"][0].as_u64().unwrap() > 500, "{metrics}");
    assert_eq!(metrics["talk_ratio"], Value::Null);
    assert_eq!(metrics["overlap"], Value::Null);
    app.patch(&format!("/v1/calls/{call}"), &team.rep, json!({"rep_channel": 1}))
        .problem(422, "invalid_field");
    assert_eq!(metrics["lane_source"], "channels");
    assert_eq!(metrics["rep_questions"], Value::Null);

    // A transcript that names the speakers gives a mono call its speaker metrics.
    let speech_end = metrics["speech_ms"][0].as_u64().unwrap();
    assert!(speech_end > 1000);
    let vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Rep>Hello, do you have a minute?\n\n\
               00:01.000 --> 00:01.600\n<v Pat Customer>Yes.\n\n\
               00:01.800 --> 00:02.000\n<v Rep>Great.\n";
    assert_eq!(app.put_transcript(&team.rep, &call, "text/vtt", vtt).status, 200);
    let speakers = app.get(&format!("/v1/calls/{call}/metrics"), &team.manager).json();
    assert_eq!(speakers["lane_source"], "transcript_speakers", "{speakers}");
    assert_eq!(speakers["labels"], json!(["rep", "customer"]));
    assert_eq!(speakers["speech_ms"], json!([1200, 600]));
    assert!((speakers["talk_ratio"].as_f64().unwrap() - 1200.0 / 1800.0).abs() < 1e-9);
    assert_eq!(speakers["patience_ms"], 200);
    assert_eq!(speakers["rep_questions"], 1);
    // Who the rep is there comes from the transcript, not the channels.
    assert_eq!(
        app.get(&format!("/v1/calls/{call}/speech"), &team.rep).json()["labels"],
        json!(["speech"])
    );
    // A call still analysing has no speech yet.
    let pending = app.create_call(&team.rep, &team.rep_id);
    app.get(&format!("/v1/calls/{pending}/metrics"), &team.rep).problem(409, "not_ready_yet");
}

#[test]
fn reanalysis_fills_speech_for_a_call_analysed_before_it_and_keeps_the_call_ready() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = app.ready_call(&team.rep, &team.rep_id, "speech-8k-mono-s16.wav", "audio/wav");
    let target = match app.local_objects() {
        // As if analysed before speech detection: the segments are gone.
        Some(objects) => {
            let speech: Vec<_> = files_containing(&objects, &call)
                .into_iter()
                .filter(|p| p.to_string_lossy().contains("speech-"))
                .collect();
            assert_eq!(speech.len(), 1, "one speech file beside the peaks");
            std::fs::remove_file(&speech[0]).unwrap();
            app.get(&format!("/v1/calls/{call}/metrics"), &team.rep)
                .problem(409, "speech_not_analysed");
            vec!["admin", "reanalyze", "--all"]
        }
        None => vec!["admin", "reanalyze", "--call", call.as_str()],
    };
    let output = filmroom(&app.env).args(&target).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 call(s) queued"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        assert_eq!(app.get(&format!("/v1/calls/{call}"), &team.rep).json()["status"], "ready");
        let metrics = app.get(&format!("/v1/calls/{call}/metrics"), &team.rep);
        if metrics.status == 200 {
            assert!(metrics.json()["speech_ms"][0].as_u64().unwrap() > 500);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "reanalysis did not finish: {}",
            metrics.text
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    // The old peaks were replaced, not left behind.
    if let Some(objects) = app.local_objects() {
        assert_eq!(files_containing(&objects, &call).len(), 3);
    }
    let unknown = filmroom(&app.env)
        .args(["admin", "reanalyze", "--call", "0193f4c2-9c1e-7d4a-b1a0-2f7c4f0c1d2e"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
}
