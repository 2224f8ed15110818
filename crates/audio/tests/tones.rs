//! A steady tone is not speech: ringback, a dial tone, DTMF and hold music
//! on a line are not counted as that side talking, while speech over a
//! tone still is. None of these tones is the one the detector was tuned
//! on (the fixtures' 440 Hz).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss,
    missing_docs
)]

use std::{f32::consts::TAU, fs::File, path::PathBuf};

use filmroom_audio::{
    FrameSink, decode,
    speech::{ScoringThreads, SpeechDetector},
};

const RATE: u32 = 8000;

#[derive(Default)]
struct Collect(Vec<f32>);

impl FrameSink for Collect {
    fn frames(&mut self, planes: &[&[f32]]) {
        self.0.extend_from_slice(planes[0]);
    }
}

/// The first channel of a fixture, and its rate.
fn fixture(name: &str) -> (Vec<f32>, u32) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name);
    let file = File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (facts, sink) = decode(file, |_| Collect::default()).unwrap();
    (sink.unwrap().0, facts.sample_rate)
}

/// `seconds` of the sum of `tones` (frequency, amplitude), switched on and
/// off in a cadence of (on, off) seconds.
fn tones(seconds: f32, parts: &[(f32, f32)], cadence: Option<(f32, f32)>) -> Vec<f32> {
    let n = (seconds * RATE as f32) as usize;
    (0..n)
        .map(|i| {
            let t = i as f32 / RATE as f32;
            let on = cadence.is_none_or(|(on, off)| t % (on + off) < on);
            if !on {
                return 0.0;
            }
            parts.iter().map(|(f, a)| a * (TAU * f * t).sin()).sum()
        })
        .collect()
}

/// Milliseconds counted as speech in `samples` at `rate`, scored on two
/// threads as the analyzer does; scoring on this thread counts the same.
fn speech_ms(samples: &[f32], rate: u32) -> u64 {
    let detect = |threads: Option<ScoringThreads>| {
        let mut detector = SpeechDetector::new(1, rate, threads);
        for chunk in samples.chunks(1024) {
            detector.frames(&[chunk]);
        }
        detector.finish().unwrap()
    };
    let speech = detect(Some(ScoringThreads::start(2).unwrap()));
    assert_eq!(speech, detect(None), "threads and inline scoring disagree");
    speech.channels[0].iter().map(|[start, end]| end - start).sum()
}

/// Hold music: a looped melody of notes with a fifth above each, 300 ms a note.
fn hold_music(seconds: f32) -> Vec<f32> {
    let melody = [523.25, 587.33, 659.25, 783.99, 659.25, 587.33, 523.25, 392.0];
    let note = (0.3 * RATE as f32) as usize;
    let n = (seconds * RATE as f32) as usize;
    (0..n)
        .map(|i| {
            let t = i as f32 / RATE as f32;
            let f = melody[(i / note) % melody.len()];
            let within = (i % note) as f32 / note as f32;
            // A soft attack and release, as a synthesised chime has.
            let envelope = (within * 20.0).min(1.0) * ((1.0 - within) * 10.0).min(1.0);
            0.25 * envelope * ((TAU * f * t).sin() + 0.5 * (TAU * f * 1.5 * t).sin())
        })
        .collect()
}

#[test]
fn steady_tones_are_not_speech() {
    let cases: Vec<(&str, Vec<f32>)> = vec![
        ("a 425 Hz dial tone", tones(6.0, &[(425.0, 0.3)], None)),
        ("the 440+480 Hz ringback", tones(6.0, &[(440.0, 0.2), (480.0, 0.2)], Some((2.0, 1.0)))),
        (
            "DTMF digits",
            [(697.0, 1209.0), (770.0, 1336.0), (852.0, 1477.0), (941.0, 1633.0)]
                .iter()
                .flat_map(|(low, high)| {
                    tones(0.4, &[(*low, 0.25), (*high, 0.25)], Some((0.3, 0.1)))
                })
                .collect(),
        ),
        ("a hold-music loop", hold_music(6.0)),
    ];
    let mut failures = Vec::new();
    for (name, samples) in &cases {
        let ms = speech_ms(samples, RATE);
        let total = samples.len() as u64 * 1000 / u64::from(RATE);
        eprintln!("{name}: {ms} ms of {total} ms counted as speech");
        if ms * 20 > total {
            failures.push(format!("{name}: {ms} of {total} ms"));
        }
    }
    assert!(failures.is_empty(), "tones counted as speech (at most 5 % allowed): {failures:?}");
}

#[test]
fn speech_over_a_tone_still_counts() {
    let (speech, rate) = fixture("speech-8k-mono-s16.wav");
    let alone = speech_ms(&speech, rate);
    let hum: Vec<f32> = tones(speech.len() as f32 / rate as f32 + 1.0, &[(425.0, 0.1)], None);
    let mixed: Vec<f32> = speech.iter().zip(&hum).map(|(s, h)| s + h).collect();
    let over = speech_ms(&mixed, rate);
    eprintln!("speech alone: {alone} ms; over a 425 Hz tone: {over} ms");
    assert!(alone > 1000, "the fixture has speech: {alone} ms");
    assert!(over * 10 >= alone * 9, "speech over a tone lost: {over} of {alone} ms");
}

#[test]
fn a_stereo_call_gets_the_same_segments_on_threads_as_on_one() {
    // A thread per channel, as for every dialer's two-channel recording.
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/speech-8k-stereo.flac");
    let detect = |threads: Option<ScoringThreads>| {
        let file = File::open(&path).unwrap();
        let (_, detector) =
            decode(file, |shape| SpeechDetector::new(shape.channels, shape.sample_rate, threads))
                .unwrap();
        detector.unwrap().finish().unwrap()
    };
    let threaded = detect(Some(ScoringThreads::start(2).unwrap()));
    assert_eq!(threaded.channels.len(), 2);
    assert!(!threaded.channels[0].is_empty(), "{threaded:?}");
    assert_eq!(threaded, detect(None));
}
