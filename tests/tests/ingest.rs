//! Recordings in, facts out: every accepted format analysed end to end, bad
//! files ending with the right status, the queue surviving a dead worker.
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

use std::process::Command;

use filmroom_tests::{Team, TestApp, expected, files_containing, fixture};
use reqwest::Method;
use serde_json::{Value, json};

/// (fixture, media type sent, codec analysis should report)
const FORMATS: &[(&str, &str, &str)] = &[
    ("speech-8k-mono-s16.wav", "audio/wav", "pcm_s16le"),
    ("speech-8k-stereo-mulaw.wav", "audio/wav", "pcm_mulaw"),
    ("speech-8k-mono-alaw.wav", "audio/wav", "pcm_alaw"),
    ("speech-8k-mono-u8.wav", "audio/wav", "pcm_u8"),
    ("speech-8k-mono-s24.wav", "audio/wav", "pcm_s24le"),
    ("speech-8k-mono-s32.wav", "audio/wav", "pcm_s32le"),
    ("speech-8k-mono-f32.wav", "audio/wav", "pcm_f32le"),
    ("speech-16k-mono.mp3", "audio/mpeg", "mp3"),
    ("speech-8k-stereo.flac", "audio/flac", "flac"),
    ("speech-16k-mono.ogg", "audio/ogg", "vorbis"),
    ("speech-16k-mono.m4a", "audio/mp4", "aac"),
];

fn analysed(app: &TestApp, team: &Team, name: &str, content_type: &str) -> Value {
    let call = app.create_call(&team.rep, &team.rep_id);
    let reply = app.upload(&team.rep, &call, fixture(name), content_type);
    assert_eq!(reply.status, 200, "{name}: {}", reply.text);
    assert_eq!(reply.json()["status"], "queued");
    app.wait_until_settled(&team.rep, &call)
}

/// Writes an executable shell script standing in for the analyzer.
fn analyzer_script(app: &TestApp, name: &str, body: &str) -> String {
    let path = app.data_dir().join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Waits until a worker has claimed the call's analysis.
fn wait_until_processing(app: &TestApp, token: &str, call: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while app.get(&format!("/v1/calls/{call}"), token).json()["status"] != "processing" {
        assert!(std::time::Instant::now() < deadline, "no worker took the job");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn every_accepted_format_is_analysed_to_within_30_ms_of_ffmpeg() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    for (name, content_type, codec) in FORMATS {
        let call = analysed(&app, &team, name, content_type);
        let want = expected(name);
        assert_eq!(call["status"], "ready", "{name}: {call}");
        let audio = &call["audio"];
        assert_eq!(audio["codec"], *codec, "{name}");
        assert_eq!(audio["sample_rate"], want["sample_rate"], "{name}");
        assert_eq!(audio["channels"], want["channels"], "{name}");
        assert_eq!(audio["decode_errors"], 0, "{name}");
        assert_eq!(audio["size_bytes"], fixture(name).len(), "{name}");
        let duration = audio["duration_ms"].as_i64().unwrap();
        let reference = want["decoded_ms"].as_i64().unwrap();
        assert!(
            (duration - reference).abs() <= 30,
            "{name}: {duration} ms, ffmpeg decodes {reference} ms"
        );

        let id = call["id"].as_str().unwrap();
        let peaks = app.get(&format!("/v1/calls/{id}/peaks"), &team.rep);
        assert_eq!(peaks.status, 200, "{name}: {}", peaks.text);
        let peaks = peaks.json();
        assert_eq!(peaks["version"], 2);
        assert_eq!(peaks["bits"], 8);
        assert_eq!(peaks["samples_per_pixel"], 256);
        assert_eq!(peaks["channels"], want["channels"]);
        let length = peaks["length"].as_u64().unwrap();
        let rate = want["sample_rate"].as_u64().unwrap();
        let frames = duration as u64 * rate / 1000;
        assert!(
            length.abs_diff(frames.div_ceil(256)) <= 2,
            "{name}: {length} pixels for {frames} frames"
        );
        let channels = want["channels"].as_u64().unwrap();
        assert_eq!(peaks["data"].as_array().unwrap().len() as u64, length * 2 * channels);
        assert!(
            peaks["data"].as_array().unwrap().iter().any(|v| v.as_i64() != Some(0)),
            "{name}: silent peaks"
        );
    }
}

#[test]
fn a_coarser_peaks_level_is_derived_from_the_stored_one() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = analysed(&app, &team, "speech-16k-mono.mp3", "audio/mpeg");
    let id = call["id"].as_str().unwrap();
    let fine = app.get(&format!("/v1/calls/{id}/peaks"), &team.rep).json();
    let coarse = app.get(&format!("/v1/calls/{id}/peaks?samples_per_pixel=1024"), &team.rep).json();
    assert_eq!(coarse["samples_per_pixel"], 1024);
    let fine_length = fine["length"].as_u64().unwrap();
    assert_eq!(coarse["length"].as_u64().unwrap(), fine_length.div_ceil(4));
    let fine_data: Vec<i64> =
        fine["data"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    let coarse_data: Vec<i64> =
        coarse["data"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(coarse_data[0], fine_data[0..8].iter().step_by(2).copied().min().unwrap());
    assert_eq!(coarse_data[1], fine_data[0..8].iter().skip(1).step_by(2).copied().max().unwrap());
    let body = app
        .get(&format!("/v1/calls/{id}/peaks?samples_per_pixel=300"), &team.rep)
        .problem(422, "invalid_field");
    assert!(body["detail"].as_str().unwrap().contains("256"), "{body}");
}

#[test]
fn opus_fails_with_unsupported_codec_naming_it() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = analysed(&app, &team, "speech-16k-mono.opus", "audio/ogg");
    assert_eq!(call["status"], "failed");
    assert_eq!(call["failure"]["code"], "unsupported_codec");
    assert!(call["failure"]["message"].as_str().unwrap().contains("opus"), "{call}");
    let id = call["id"].as_str().unwrap();
    app.get(&format!("/v1/calls/{id}/peaks"), &team.rep).problem(409, "not_ready_yet");
}

#[test]
fn damaged_files_yield_what_decodes() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");

    let corrupt = analysed(&app, &team, "corrupt-middle.flac", "audio/flac");
    assert_eq!(corrupt["status"], "ready", "{corrupt}");
    assert!(
        corrupt["audio"]["decode_errors"].as_i64().unwrap() >= 1,
        "corrupt frames are counted: {corrupt}"
    );
    let duration = corrupt["audio"]["duration_ms"].as_i64().unwrap();
    assert!(duration > 2000 && duration < 3000, "only the damaged frames are lost: {duration}");

    let truncated = analysed(&app, &team, "truncated.mp3", "audio/mpeg");
    assert_eq!(truncated["status"], "ready", "{truncated}");
    let duration = truncated["audio"]["duration_ms"].as_i64().unwrap();
    let reference = expected("truncated.mp3")["decoded_ms"].as_i64().unwrap();
    // One MPEG-2 layer III frame is 36 ms at 16 kHz; ffmpeg also decodes the cut-off last frame.
    assert!((duration - reference).abs() <= 40, "{duration} ms, ffmpeg decodes {reference} ms");
    assert!(duration < 3000, "not the duration the header promised");

    let lying = analysed(&app, &team, "lying-header.wav", "audio/wav");
    assert_eq!(lying["status"], "ready", "{lying}");
    assert_eq!(lying["audio"]["duration_ms"], 1000, "the header claims 10 s; 1 s is there");
}

#[test]
fn empty_and_non_audio_bodies_are_refused_at_once_and_nothing_is_stored() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = app.create_call(&team.rep, &team.rep_id);
    for (name, what) in
        [("empty.wav", "empty"), ("not-audio.pdf", "PDF"), ("not-audio.html", "HTML")]
    {
        let body = app
            .upload(&team.rep, &call, fixture(name), "audio/wav")
            .problem(415, "unsupported_media");
        assert!(body["detail"].as_str().unwrap().contains(what), "{name}: {body}");
    }
    let body =
        app.upload(&team.rep, &call, b"just some words, not a recording".to_vec(), "audio/wav");
    body.problem(415, "unsupported_media");
    let state = app.get(&format!("/v1/calls/{call}"), &team.rep).json();
    assert_eq!(state["status"], "uploading");
    assert_eq!(state["audio"], Value::Null);
    if let Some(objects) = app.local_objects() {
        assert!(
            files_containing(&objects, &call).is_empty(),
            "nothing stored for a refused upload"
        );
    }
    // The call still takes a real recording.
    assert_eq!(
        app.upload(&team.rep, &call, fixture("speech-8k-mono-s16.wav"), "audio/wav").status,
        200
    );
}

#[test]
fn an_upload_over_the_limit_is_413_and_leaves_nothing_behind() {
    let app = TestApp::spawn_with(&[("FILMROOM_MAX_UPLOAD_BYTES", "20000")]);
    let team = Team::create(&app, "Acme");
    let call = app.create_call(&team.rep, &team.rep_id);
    let body = app
        .upload(&team.rep, &call, fixture("speech-8k-mono-s16.wav"), "audio/wav")
        .problem(413, "audio_too_large");
    assert!(body["detail"].as_str().unwrap().contains("20000"), "{body}");
    // Without a Content-Length the limit is enforced while streaming.
    let chunks =
        fixture("speech-8k-mono-s16.wav").chunks(4096).map(<[u8]>::to_vec).collect::<Vec<_>>();
    let reply = TestApp::send(
        app.request(Method::PUT, &format!("/v1/calls/{call}/audio"), Some(&team.rep))
            .header("content-type", "audio/wav")
            .body(reqwest::blocking::Body::new(Chunks(chunks.into_iter(), false))),
    );
    reply.problem(413, "audio_too_large");
    assert_eq!(app.get(&format!("/v1/calls/{call}"), &team.rep).json()["audio"], Value::Null);
    if let Some(objects) = app.local_objects() {
        assert!(
            files_containing(&objects, &call).is_empty(),
            "the aborted upload left parts behind"
        );
    }
    assert_eq!(
        app.upload(&team.rep, &call, fixture("speech-8k-mono-u8.wav"), "audio/wav").status,
        200
    );
}

/// A body that yields chunks and then, if asked, fails like a dropped connection.
struct Chunks(std::vec::IntoIter<Vec<u8>>, bool);

impl std::io::Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.0.next() {
            Some(chunk) => {
                let n = chunk.len().min(buf.len());
                buf[..n].copy_from_slice(&chunk[..n]);
                Ok(n)
            }
            None if self.1 => {
                Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "dropped"))
            }
            None => Ok(0),
        }
    }
}

#[test]
fn a_client_whose_connection_dropped_can_upload_again() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = app.create_call(&team.rep, &team.rep_id);
    let half = fixture("speech-8k-mono-s16.wav")[..16_000]
        .chunks(4000)
        .map(<[u8]>::to_vec)
        .collect::<Vec<_>>();
    let dropped = app
        .request(Method::PUT, &format!("/v1/calls/{call}/audio"), Some(&team.rep))
        .header("content-type", "audio/wav")
        .body(reqwest::blocking::Body::new(Chunks(half.into_iter(), true)))
        .send();
    assert!(dropped.is_err() || dropped.is_ok_and(|r| r.status().as_u16() >= 400));
    let state = app.get(&format!("/v1/calls/{call}"), &team.rep).json();
    assert_eq!(state["status"], "uploading", "{state}");
    let reply = app.upload(&team.rep, &call, fixture("speech-8k-mono-s16.wav"), "audio/wav");
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(app.wait_until_settled(&team.rep, &call)["status"], "ready");
    if let Some(objects) = app.local_objects() {
        let originals: Vec<_> = files_containing(&objects, &call)
            .into_iter()
            .filter(|p| p.to_string_lossy().contains("audio-"))
            .collect();
        assert_eq!(originals.len(), 1, "only the completed upload is kept: {originals:?}");
    }
    app.upload(&team.rep, &call, fixture("speech-8k-mono-s16.wav"), "audio/wav")
        .problem(409, "audio_already_stored");
}

#[test]
fn a_worker_killed_mid_job_loses_nothing_and_another_finishes_it() {
    let app = TestApp::spawn_with(&[("FILMROOM_NO_WORKER", "true")]);
    let team = Team::create(&app, "Acme");
    let call = app.create_call(&team.rep, &team.rep_id);
    assert_eq!(
        app.upload(&team.rep, &call, fixture("speech-16k-mono.mp3"), "audio/mpeg").status,
        200
    );

    // This worker's analyzer never finishes, so the job is mid-flight when it is killed.
    let stuck = analyzer_script(&app, "stuck-analyzer.sh", "exec sleep 300");
    let lease = [("FILMROOM_JOB_LEASE_SECS", "2")];
    let mut first = app.spawn_worker(&[lease[0], ("FILMROOM_ANALYZER", stuck.as_str())]);
    wait_until_processing(&app, &team.rep, &call);
    first.kill().unwrap(); // SIGKILL: no chance to release the job.
    first.wait().unwrap();
    assert_eq!(app.get(&format!("/v1/calls/{call}"), &team.rep).json()["status"], "processing");

    let mut second = app.spawn_worker(&lease);
    let settled = app.wait_until_settled(&team.rep, &call);
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(settled["status"], "ready", "{settled}");
    assert_eq!(settled["audio"]["duration_ms"], 3000);
}

#[test]
fn an_analysis_that_runs_out_of_memory_fails_the_call_but_not_the_worker() {
    // 1 MiB of address space is less than the MP3 decoder allocates: the
    // child's allocation fails for real and it aborts.
    let app = TestApp::spawn_with(&[
        ("FILMROOM_ANALYSIS_ATTEMPTS", "2"),
        ("FILMROOM_RETRY_BASE_SECS", "0"),
        ("FILMROOM_ANALYSIS_MEMORY_MIB", "1"),
    ]);
    let team = Team::create(&app, "Acme");
    let call = analysed(&app, &team, "speech-16k-mono.mp3", "audio/mpeg");
    assert_eq!(call["status"], "failed", "{call}");
    assert_eq!(call["failure"]["code"], "decode_out_of_memory", "{call}");
    assert!(call["failure"]["message"].as_str().unwrap().contains("1 MiB"), "{call}");
    // The worker lives on and takes the next job.
    assert_eq!(
        analysed(&app, &team, "speech-16k-mono.mp3", "audio/mpeg")["failure"]["code"],
        "decode_out_of_memory"
    );
}

#[test]
fn an_analyzer_that_crashes_is_reported_and_retried() {
    let app =
        TestApp::spawn_with(&[("FILMROOM_NO_WORKER", "true"), ("FILMROOM_ANALYSIS_ATTEMPTS", "2")]);
    let team = Team::create(&app, "Acme");
    let call = app.create_call(&team.rep, &team.rep_id);
    assert_eq!(
        app.upload(&team.rep, &call, fixture("speech-8k-mono-s16.wav"), "audio/wav").status,
        200
    );
    let crashing = analyzer_script(
        &app,
        "crashing-analyzer.sh",
        "echo 'thread main panicked at symphonia' >&2\nkill -SEGV $$",
    );
    let mut worker = app.spawn_worker(&[
        ("FILMROOM_ANALYZER", crashing.as_str()),
        ("FILMROOM_RETRY_BASE_SECS", "0"),
    ]);
    let settled = app.wait_until_settled(&team.rep, &call);
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert_eq!(settled["status"], "failed", "{settled}");
    assert_eq!(settled["failure"]["code"], "decode_crashed", "{settled}");
    assert!(settled["failure"]["message"].as_str().unwrap().contains("signal 11"), "{settled}");
}

#[test]
fn an_analyzer_that_hangs_is_stopped_and_reported_as_a_timeout() {
    let app = TestApp::spawn_with(&[("FILMROOM_NO_WORKER", "true")]);
    let team = Team::create(&app, "Acme");
    let call = app.create_call(&team.rep, &team.rep_id);
    assert_eq!(
        app.upload(&team.rep, &call, fixture("speech-8k-mono-s16.wav"), "audio/wav").status,
        200
    );
    let runs = app.data_dir().join("analyzer-runs");
    let hang = analyzer_script(
        &app,
        "hanging-analyzer.sh",
        &format!("echo run >> '{}'\nexec sleep 300", runs.display()),
    );
    let mut worker = app.spawn_worker(&[
        ("FILMROOM_ANALYZER", hang.as_str()),
        ("FILMROOM_ANALYSIS_BASE_SECS", "1"),
        ("FILMROOM_ANALYSIS_SECONDS_PER_MIB", "0"),
        ("FILMROOM_RETRY_BASE_SECS", "0"),
    ]);
    let settled = app.wait_until_settled(&team.rep, &call);
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert_eq!(settled["status"], "failed", "{settled}");
    assert_eq!(settled["failure"]["code"], "decode_timeout", "{settled}");
    // Five attempts are allowed, but a second timeout is final.
    let runs = std::fs::read_to_string(runs).unwrap();
    assert_eq!(runs.lines().count(), 2, "{runs}");
}

#[test]
fn a_multipart_upload_creates_and_analyses_a_call_in_one_request() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let metadata = json!({"rep_id": team.rep_id, "title": "Renewal", "direction": "outbound",
                          "counterpart": {"name": "Pat", "company": "Initech"}, "external_ref": "CA-1"});
    let form = || {
        reqwest::blocking::multipart::Form::new()
            .part(
                "metadata",
                reqwest::blocking::multipart::Part::text(metadata.to_string())
                    .mime_str("application/json")
                    .unwrap(),
            )
            .part(
                "audio",
                reqwest::blocking::multipart::Part::bytes(fixture("speech-16k-mono.ogg"))
                    .file_name("call.ogg")
                    .mime_str("audio/ogg")
                    .unwrap(),
            )
    };
    let reply =
        TestApp::send(app.request(Method::POST, "/v1/calls", Some(&team.rep)).multipart(form()));
    assert_eq!(reply.status, 201, "{}", reply.text);
    let created = reply.json();
    assert_eq!(created["title"], "Renewal");
    assert_eq!(created["counterpart"]["company"], "Initech");
    assert_eq!(created["audio"]["content_type"], "audio/ogg");
    let id = created["id"].as_str().unwrap();
    assert_eq!(app.wait_until_settled(&team.rep, id)["status"], "ready");

    // The same external_ref again: the existing call, no duplicate.
    let again =
        TestApp::send(app.request(Method::POST, "/v1/calls", Some(&team.rep)).multipart(form()));
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json()["id"], created["id"]);
    let listed = app.get(&format!("/v1/calls?rep_id={}", team.rep_id), &team.rep).json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    // Audio before metadata is refused, and a refused recording leaves no call behind.
    let backwards = reqwest::blocking::multipart::Form::new()
        .part("audio", reqwest::blocking::multipart::Part::bytes(fixture("speech-16k-mono.ogg")))
        .text("metadata", metadata.to_string());
    TestApp::send(app.request(Method::POST, "/v1/calls", Some(&team.rep)).multipart(backwards))
        .problem(400, "malformed_multipart");
    let pdf = reqwest::blocking::multipart::Form::new()
        .text("metadata", json!({"rep_id": team.rep_id}).to_string())
        .part("audio", reqwest::blocking::multipart::Part::bytes(fixture("not-audio.pdf")));
    TestApp::send(app.request(Method::POST, "/v1/calls", Some(&team.rep)).multipart(pdf))
        .problem(415, "unsupported_media");
    let listed = app.get(&format!("/v1/calls?rep_id={}", team.rep_id), &team.rep).json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
}

#[test]
fn a_worker_stopped_with_sigterm_releases_its_job_for_another() {
    let app = TestApp::spawn_with(&[("FILMROOM_NO_WORKER", "true")]);
    let team = Team::create(&app, "Acme");
    let call = app.create_call(&team.rep, &team.rep_id);
    assert_eq!(
        app.upload(&team.rep, &call, fixture("speech-8k-mono-s16.wav"), "audio/wav").status,
        200
    );
    let stuck = analyzer_script(&app, "slow-analyzer.sh", "exec sleep 300");
    let mut first =
        app.spawn_worker(&[("FILMROOM_ANALYZER", stuck.as_str()), ("FILMROOM_DRAIN_SECS", "1")]);
    wait_until_processing(&app, &team.rep, &call);
    let term = std::process::Command::new("kill")
        .args(["-TERM", &first.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let exited = first.wait().unwrap();
    assert!(exited.success(), "the worker exits cleanly on SIGTERM: {exited:?}");
    assert_eq!(
        app.get(&format!("/v1/calls/{call}"), &team.rep).json()["status"],
        "queued",
        "the job was released"
    );

    // The default lease is a minute: only a release lets the next worker start at once.
    let mut second = app.spawn_worker(&[]);
    let settled = app.wait_until_settled(&team.rep, &call);
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(settled["status"], "ready", "{settled}");
}

/// A 16-bit PCM WAV whose header claims `rate` and `channels`, with a
/// little quiet audio.
fn wav_claiming(rate: u32, channels: u16) -> Vec<u8> {
    let data: Vec<u8> = (0..8_000u32).flat_map(|i| ((i % 100) as i16).to_le_bytes()).collect();
    let block_align = channels * 2;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&channels.to_le_bytes());
    bytes.extend_from_slice(&rate.to_le_bytes());
    bytes.extend_from_slice(&rate.wrapping_mul(u32::from(block_align)).to_le_bytes());
    bytes.extend_from_slice(&block_align.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&(data.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&data);
    bytes
}

#[test]
fn a_header_claiming_an_absurd_sample_rate_fails_the_call_naming_it() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = app.create_call(&team.rep, &team.rep_id);
    let uploaded = app.upload(&team.rep, &call, wav_claiming(2_147_483_647, 1), "audio/wav");
    assert_eq!(uploaded.status, 200, "{}", uploaded.text);
    let settled = app.wait_until_settled(&team.rep, &call);
    assert_eq!(settled["status"], "failed", "{settled}");
    assert_eq!(settled["failure"]["code"], "unsupported_format", "{settled}");
    let message = settled["failure"]["message"].as_str().unwrap();
    assert!(message.contains("2147483647 Hz"), "{message}");
    // The server is still up and analyses the next call.
    let next = app.create_call(&team.rep, &team.rep_id);
    assert_eq!(app.upload(&team.rep, &next, wav_claiming(8_000, 1), "audio/wav").status, 200);
    assert_eq!(app.wait_until_settled(&team.rep, &next)["status"], "ready");
}

#[test]
fn wavs_from_streaming_recorders_decode_to_the_data_that_is_there() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let original = fixture("speech-8k-mono-s16.wav");
    let data_at = original.windows(4).position(|w| w == b"data").unwrap();
    let want = expected("speech-8k-mono-s16.wav")["decoded_ms"].clone();
    // The sizes a recorder writes before it knows them, and never fixes.
    for placeholder in [0u32, u32::MAX] {
        let mut bytes = original.clone();
        bytes[4..8].copy_from_slice(&placeholder.to_le_bytes());
        bytes[data_at + 4..data_at + 8].copy_from_slice(&placeholder.to_le_bytes());
        let call = app.create_call(&team.rep, &team.rep_id);
        assert_eq!(app.upload(&team.rep, &call, bytes, "audio/wav").status, 200);
        let settled = app.wait_until_settled(&team.rep, &call);
        assert_eq!(settled["status"], "ready", "placeholder {placeholder:#x}: {settled}");
        assert_eq!(settled["audio"]["duration_ms"], want, "placeholder {placeholder:#x}");
    }
}

#[test]
fn the_sandboxed_analyzer_scores_speech_on_its_threads_as_an_unprivileged_user() {
    // RLIMIT_NPROC counts threads, and root is exempt from it: only an
    // unprivileged analyzer shows whether its threads start before the
    // limit is set. Run as `nobody` when the suite runs as root.
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777))
        .unwrap();
    let binary = dir.path().join("filmroom");
    std::fs::copy(filmroom_tests::binary(), &binary).unwrap();
    let root = String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout).unwrap();
    for name in ["speech-8k-stereo.flac", "speech-16k-mono.mp3"] {
        let file = dir.path().join(name);
        std::fs::write(&file, fixture(name)).unwrap();
        let speech_out = dir.path().join(format!("{name}.speech.json"));
        let mut command = match root.trim() {
            "0" => {
                let mut c = Command::new("setpriv");
                c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&binary);
                c
            }
            _ => Command::new(&binary),
        };
        let output = command
            .arg("analyze")
            .arg("--speech-out")
            .arg(&speech_out)
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{name}: {stderr}");
        assert!(!stderr.contains("decoder's thread"), "{name}: {stderr}");
        let speech: Value = serde_json::from_slice(&std::fs::read(&speech_out).unwrap()).unwrap();
        let channels = speech["channels"].as_array().unwrap();
        assert_eq!(channels.len(), if name.contains("stereo") { 2 } else { 1 }, "{speech}");
        assert!(!channels[0].as_array().unwrap().is_empty(), "{name}: {speech}");
    }
}
