//! Hostile recordings: every fixture, mutated the ways broken and malicious
//! files are (bits flipped, cut short, chunk sizes that lie, frames repeated),
//! pushed through upload → analysis → clip → reel on a running server. The
//! server stays up, and every call ends `ready` or `failed` with a code.
//! Seeded, so a failure can be replayed: FILMROOM_MUTATION_SEED and
//! FILMROOM_MUTATION_CASES override the defaults.
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

/// xorshift64*: small, deterministic, good enough to choose mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const FIXTURES: &[(&str, &str)] = &[
    ("speech-8k-mono-s16.wav", "audio/wav"),
    ("speech-8k-mono-s24.wav", "audio/wav"),
    ("speech-8k-mono-f32.wav", "audio/wav"),
    ("speech-8k-mono-alaw.wav", "audio/wav"),
    ("speech-8k-stereo-mulaw.wav", "audio/wav"),
    ("tones-8k-mono.wav", "audio/wav"),
    ("speech-16k-mono.mp3", "audio/mpeg"),
    ("tones-16k-mono.mp3", "audio/mpeg"),
    ("speech-8k-stereo.flac", "audio/flac"),
    ("tones-16k-mono.flac", "audio/flac"),
    ("speech-16k-mono.ogg", "audio/ogg"),
    ("speech-16k-mono.m4a", "audio/mp4"),
    ("tones-16k-mono.m4a", "audio/mp4"),
];

/// One mutation of `bytes`, named for the failure message.
fn mutate(rng: &mut Rng, mut bytes: Vec<u8>) -> (String, Vec<u8>) {
    let len = bytes.len();
    match rng.below(5) {
        0 => {
            let flips = 1 + rng.below(16);
            // Headers are where parsers trust lengths: flip there most.
            for _ in 0..flips {
                let at = if rng.below(2) == 0 { rng.below(len.min(512)) } else { rng.below(len) };
                bytes[at] ^= 1 << rng.below(8);
            }
            (format!("{flips} bits flipped"), bytes)
        }
        1 => {
            let keep = rng.below(len);
            bytes.truncate(keep);
            (format!("cut to {keep} bytes"), bytes)
        }
        2 => {
            // A 32-bit length field that lies, little- or big-endian, at a
            // 4-byte boundary in the first kilobyte.
            let at = (rng.below(len.min(1024).saturating_sub(4)) / 4) * 4;
            let lie = [0u32, 1, 0x7fff_ffff, u32::MAX, (len as u32).wrapping_mul(3)][rng.below(5)];
            let word = if rng.below(2) == 0 { lie.to_le_bytes() } else { lie.to_be_bytes() };
            bytes[at..at + 4].copy_from_slice(&word);
            (format!("length {lie:#x} written at {at}"), bytes)
        }
        3 => {
            let from = rng.below(len);
            let size = 1 + rng.below(4096.min(len - from));
            let copy = bytes[from..from + size].to_vec();
            let times = 1 + rng.below(8);
            let at = rng.below(len);
            for _ in 0..times {
                bytes.splice(at..at, copy.iter().copied());
            }
            (format!("{size} bytes at {from} repeated {times}x at {at}"), bytes)
        }
        _ => {
            let at = rng.below(len);
            let size = 1 + rng.below(2048.min(len - at));
            bytes.drain(at..at + size);
            (format!("{size} bytes removed at {at}"), bytes)
        }
    }
}

/// GETs a WAV; whatever happens to the body (a render that fails ends it
/// early), the status is a success or a client error, never a 5xx.
fn fetch_wav(app: &TestApp, token: &str, path: &str, case: &str) {
    let response = app.request(Method::GET, path, Some(token)).send();
    let response = response.unwrap_or_else(|e| panic!("{case}: {path} did not answer: {e}"));
    let status = response.status().as_u16();
    assert!(status == 200 || (400..500).contains(&status), "{case}: {path} answered {status}");
    let _ = response.bytes();
}

#[test]
fn mutated_recordings_never_take_the_server_down_and_always_settle_with_a_code() {
    let seed = std::env::var("FILMROOM_MUTATION_SEED").ok().and_then(|s| s.parse().ok());
    let seed: u64 = seed.unwrap_or(0x00f1_1e00_5eed);
    let cases: usize =
        std::env::var("FILMROOM_MUTATION_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(260);
    let app = TestApp::spawn_with(&[
        ("FILMROOM_ANALYSIS_ATTEMPTS", "2"),
        ("FILMROOM_RETRY_BASE_SECS", "0"),
        ("FILMROOM_ANALYSIS_BASE_SECS", "20"),
        ("FILMROOM_WORKER_CONCURRENCY", "2"),
        ("FILMROOM_RENDER_TIMEOUT_SECS", "20"),
    ]);
    let team = Team::create(&app, "Mutants");
    let series = app.post(
        "/v1/one-on-one-series",
        &team.manager,
        json!({"rep_id": team.rep_id, "weekday": "tuesday", "time": "09:30", "duration_minutes": 45}),
    );
    assert_eq!(series.status, 201, "{}", series.text);
    let one_on_ones = app.get(&format!("/v1/one-on-ones?rep={}", team.rep_id), &team.manager);
    let one_on_one = one_on_ones.json()["items"][0]["id"].as_str().unwrap().to_owned();

    let mut rng = Rng(seed | 1);
    let originals: Vec<(String, Vec<u8>, &str)> = FIXTURES
        .iter()
        .map(|(name, content_type)| ((*name).to_owned(), fixture(name), *content_type))
        .collect();
    // Upload everything first so the workers analyse while we keep sending.
    let mut uploaded = Vec::with_capacity(cases);
    for case in 0..cases {
        let (name, original, content_type) = &originals[case % originals.len()];
        let (how, bytes) = mutate(&mut rng, original.clone());
        let label = format!("case {case} (seed {seed:#x}): {name}, {how}");
        let call = app.create_call(&team.rep, &team.rep_id);
        let reply = app.upload(&team.rep, &call, bytes, content_type);
        assert!(
            reply.status == 200 || reply.status == 415,
            "{label}: upload answered {}: {}",
            reply.status,
            reply.text
        );
        if reply.status == 200 {
            uploaded.push((label, call));
        }
    }
    let mut ready = 0;
    let mut failed = 0;
    let mut clips = 0;
    for (label, call) in &uploaded {
        let settled = app.wait_until_settled(&team.rep, call);
        match settled["status"].as_str() {
            Some("ready") => {
                ready += 1;
                let duration = settled["audio"]["duration_ms"].as_i64().unwrap_or(0);
                if duration >= 200 {
                    let end = duration.min(1_500);
                    let path = format!("/v1/calls/{call}/audio?start_ms=0&end_ms={end}");
                    fetch_wav(&app, &team.rep, &path, label);
                    if clips < 40 {
                        let added = app.post(
                            &format!("/v1/one-on-ones/{one_on_one}/clips"),
                            &team.manager,
                            json!({"call_id": call, "start_ms": 0, "end_ms": end}),
                        );
                        assert!(
                            added.status == 201 || added.status == 422,
                            "{label}: {}",
                            added.text
                        );
                        clips += usize::from(added.status == 201);
                    }
                }
            }
            Some("failed") => {
                failed += 1;
                let code = settled["failure"]["code"].as_str().unwrap_or_default();
                assert!(!code.is_empty(), "{label}: failed without a code: {settled}");
            }
            other => panic!("{label}: settled as {other:?}: {settled}"),
        }
    }
    fetch_wav(&app, &team.rep, &format!("/v1/one-on-ones/{one_on_one}/reel"), "the reel");
    let health = TestApp::send(app.request(Method::GET, "/healthz", None));
    assert_eq!(health.status, 200, "the server is down after the mutants");
    eprintln!(
        "mutation: seed {seed:#x}, {cases} cases, {} uploaded, {ready} ready, {failed} failed, {clips} clips in the reel",
        uploaded.len()
    );
    assert_eq!(ready + failed, uploaded.len());
}
