//! Clips cut from calls over HTTP: sample counts and content equal the
//! decoded source at those offsets, for WAV, MP3, FLAC and M4A.
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

use filmroom_audio::{FrameSink, decode, wav};
use filmroom_tests::{Team, TestApp, fixture};

#[derive(Default)]
struct Collect(Vec<f32>);

impl FrameSink for Collect {
    fn frames(&mut self, planes: &[&[f32]]) {
        self.0.extend_from_slice(planes[0]);
    }
}

fn decoded(name: &str) -> (u32, Vec<i16>) {
    let (facts, all) = decode(std::io::Cursor::new(fixture(name)), |_| Collect::default()).unwrap();
    (facts.sample_rate, all.unwrap().0.into_iter().map(wav::to_i16).collect())
}

#[test]
fn clips_match_the_decoded_source_sample_for_sample() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    for (name, content_type) in [
        ("tones-8k-mono.wav", "audio/wav"),
        ("tones-16k-mono.mp3", "audio/mpeg"),
        ("tones-16k-mono.flac", "audio/flac"),
        ("tones-16k-mono.m4a", "audio/mp4"),
    ] {
        let call = app.create_call(&team.rep, &team.rep_id);
        assert_eq!(app.upload(&team.rep, &call, fixture(name), content_type).status, 200);
        assert_eq!(app.wait_until_settled(&team.rep, &call)["status"], "ready", "{name}");
        let (rate, reference) = decoded(name);
        for (start_ms, end_ms) in [(0, 250), (1_400, 2_100), (3_499, 3_501), (4_500, 5_000)] {
            let response = app
                .request(
                    reqwest::Method::GET,
                    &format!("/v1/calls/{call}/audio?start_ms={start_ms}&end_ms={end_ms}"),
                    Some(&team.manager),
                )
                .send()
                .unwrap();
            assert_eq!(response.status().as_u16(), 200, "{name} {start_ms}-{end_ms}");
            assert_eq!(response.headers()["content-type"], "audio/wav");
            let bytes = response.bytes().unwrap();
            let start = (start_ms * u64::from(rate) / 1000) as usize;
            let frames = (end_ms * u64::from(rate) / 1000) as usize - start;
            assert_eq!(bytes.len(), 44 + frames * 2, "{name} {start_ms}-{end_ms}: sample count");
            assert_eq!(&bytes[..44], &wav::header(rate, 1, frames as u64)[..], "{name}: header");
            let samples: Vec<i16> =
                bytes[44..].chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
            let expected = &reference[start..start + frames];
            let worst = samples
                .iter()
                .zip(expected)
                .map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs())
                .max()
                .unwrap_or(0);
            assert!(worst <= 1, "{name} {start_ms}-{end_ms}: differs from the source by {worst}");
        }
        // The 440 Hz tone is where the fixture put it: loud inside 1.5-2.0 s, silent after.
        let energy = |from_ms: u64, to_ms: u64| {
            let bytes = app
                .request(
                    reqwest::Method::GET,
                    &format!("/v1/calls/{call}/audio?start_ms={from_ms}&end_ms={to_ms}"),
                    Some(&team.rep),
                )
                .send()
                .unwrap()
                .bytes()
                .unwrap();
            let samples: Vec<f64> = bytes[44..]
                .chunks_exact(2)
                .map(|b| f64::from(i16::from_le_bytes([b[0], b[1]])))
                .collect();
            samples.iter().map(|s| s * s).sum::<f64>() / samples.len() as f64
        };
        assert!(energy(1_600, 1_900) > 1e6, "{name}: no tone in its clip");
        assert!(energy(2_300, 3_200) < 1e4, "{name}: the silence is not silent");
    }
}

#[test]
fn clip_offsets_are_checked_against_the_call() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let call = app.create_call(&team.rep, &team.rep_id);
    app.get(&format!("/v1/calls/{call}/audio?start_ms=0&end_ms=100"), &team.rep)
        .problem(409, "not_ready_yet");
    assert_eq!(app.upload(&team.rep, &call, fixture("tones-8k-mono.wav"), "audio/wav").status, 200);
    app.wait_until_settled(&team.rep, &call);
    let body = app
        .get(&format!("/v1/calls/{call}/audio?start_ms=4000&end_ms=6000"), &team.rep)
        .problem(400, "offset_out_of_range");
    assert!(body["detail"].as_str().unwrap().contains("5000"), "names the duration: {body}");
    app.get(&format!("/v1/calls/{call}/audio?start_ms=2000&end_ms=1000"), &team.rep)
        .problem(422, "invalid_field");
    app.get(&format!("/v1/calls/{call}/audio?start_ms=2000"), &team.rep)
        .problem(400, "invalid_query");
    app.get(&format!("/v1/calls/{call}/audio?start_ms=-5&end_ms=10"), &team.rep)
        .problem(400, "invalid_query");
    let globex = Team::create(&app, "Globex");
    app.get(&format!("/v1/calls/{call}/audio?start_ms=0&end_ms=100"), &globex.admin)
        .problem(404, "call_not_found");
}

/// A stand-in for the `filmroom` binary that records how it was run as
/// `render` (its environment, in `seen`) and then does the real work, or
/// crashes when `crash` is set.
fn render_wrapper(dir: &std::path::Path, crash: bool) -> (String, std::path::PathBuf) {
    let seen = dir.join("render-env");
    let script = dir.join(if crash { "crashing-render" } else { "recording-render" });
    let real = filmroom_tests::binary().display().to_string();
    let on_render = if crash { "kill -SEGV $$;" } else { "" };
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nif [ \"$1\" = render ]; then env > '{}'; {on_render} fi\nexec '{real}' \"$@\"\n",
            seen.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    (script.display().to_string(), seen)
}

#[test]
fn clips_are_cut_in_a_child_process_that_sees_none_of_the_servers_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let (program, seen) = render_wrapper(dir.path(), false);
    let app = TestApp::spawn_with(&[
        ("FILMROOM_ANALYZER", program.as_str()),
        ("FILMROOM_TEST_SECRET", "must-not-leak"),
    ]);
    let team = Team::create(&app, "Acme");
    let call = app.ready_call(&team.rep, &team.rep_id, "speech-8k-mono-s16.wav", "audio/wav");
    let clip = app.get(&format!("/v1/calls/{call}/audio?start_ms=100&end_ms=600"), &team.rep);
    assert_eq!(clip.status, 200, "{}", clip.text);
    assert_eq!(clip.header("content-length"), Some("8044"));
    let env = std::fs::read_to_string(&seen).expect("the clip was not rendered by the child");
    for secret in ["FILMROOM_TEST_SECRET", "DATABASE_URL", "AWS_", "FILMROOM_STORAGE"] {
        assert!(!env.contains(secret), "{secret} reached the renderer:\n{env}");
    }
}

#[test]
fn a_renderer_that_crashes_costs_the_request_not_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (program, seen) = render_wrapper(dir.path(), true);
    let app = TestApp::spawn_with(&[("FILMROOM_ANALYZER", program.as_str())]);
    let team = Team::create(&app, "Acme");
    let call = app.ready_call(&team.rep, &team.rep_id, "speech-8k-mono-s16.wav", "audio/wav");
    let response = app
        .request(
            reqwest::Method::GET,
            &format!("/v1/calls/{call}/audio?start_ms=0&end_ms=500"),
            Some(&team.rep),
        )
        .send()
        .and_then(reqwest::blocking::Response::bytes);
    // The promised WAV never arrives whole: the body is cut short or refused.
    assert!(
        response.map_or(true, |body| body.len() < 4044),
        "a crashed render served a whole clip"
    );
    assert!(seen.exists(), "the render did not run in the child");
    // The server is up and still serves everything else.
    let health = TestApp::send(app.request(reqwest::Method::GET, "/healthz", None));
    assert_eq!(health.status, 200);
    assert_eq!(app.get(&format!("/v1/calls/{call}"), &team.rep).status, 200);
}

#[test]
fn a_render_ends_when_the_client_goes_away() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("render-pid");
    let script = dir.path().join("slow-render");
    let real = filmroom_tests::binary().display().to_string();
    // As `render`, it records its pid and then trickles bytes for hours.
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nif [ \"$1\" = render ]; then echo $$ > '{}'; while :; do printf x; sleep 0.1; done; fi\nexec '{real}' \"$@\"\n",
            pid_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let app = TestApp::spawn_with(&[("FILMROOM_ANALYZER", script.to_str().unwrap())]);
    let team = Team::create(&app, "Acme");
    let call = app.ready_call(&team.rep, &team.rep_id, "speech-8k-mono-s16.wav", "audio/wav");
    let client = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap();
    let url = format!("{}/v1/calls/{call}/audio?start_ms=0&end_ms=1500", app.base_url);
    // The client gives up on a body that would take hours, and hangs up.
    let gave_up = client.get(&url).bearer_auth(&team.rep).send().and_then(|r| r.bytes());
    assert!(gave_up.is_err(), "the stalled render answered");
    let pid = std::fs::read_to_string(&pid_file).expect("the render child never started");
    let alive = || {
        std::process::Command::new("kill")
            .args(["-0", pid.trim()])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while alive() {
        assert!(std::time::Instant::now() < deadline, "the render child outlived its client");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
